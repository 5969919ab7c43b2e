//! The decoded input waiting for the application: a byte buffer consumed from the front.

use crate::encoding::Encoding;

/// Decoded input not yet read by the application. Consuming from the front is O(1); the
/// storage is compacted when the consumed part dominates, and released when it empties, so an
/// idle connection holds no buffer.
#[derive(Debug, Default)]
pub(crate) struct InputBuffer {
    bytes: Vec<u8>,
    start: usize,
}

impl InputBuffer {
    /// The unread bytes.
    pub(crate) fn as_slice(&self) -> &[u8] {
        &self.bytes[self.start..]
    }

    pub(crate) fn len(&self) -> usize {
        self.bytes.len() - self.start
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Marks the first `n` unread bytes as read.
    pub(crate) fn consume(&mut self, n: usize) {
        self.start += n.min(self.len());
        if self.start == self.bytes.len() {
            self.bytes.clear();
            self.start = 0;
            if self.bytes.capacity() > 64 * 1024 {
                self.bytes = Vec::new();
            }
        }
    }

    /// Takes the first `n` unread bytes.
    pub(crate) fn take(&mut self, n: usize) -> Vec<u8> {
        let n = n.min(self.len());
        let out = self.as_slice()[..n].to_vec();
        self.consume(n);
        out
    }

    /// IAC EC at position `at` of the vector [`tail`](Self::tail) returned: removes the
    /// character (in `encoding`) before it, unless that is a line end or already read. Returns
    /// how many bytes went.
    pub(crate) fn erase_character_at(&mut self, at: usize, encoding: Encoding) -> usize {
        let at = at.clamp(self.start, self.bytes.len());
        let unread = &self.bytes[self.start..at];
        let Some(last) = unread.last() else { return 0 };
        if matches!(last, b'\r' | b'\n') {
            return 0;
        }
        // Characters are found from the last line end: a multi-byte code page is decoded from
        // a character's start.
        let line_start = memchr::memrchr2(b'\r', b'\n', unread).map_or(0, |i| i + 1);
        let first = match encoding.last_char_start(&unread[line_start..]) {
            Some(start) => self.start + line_start + start,
            None => at - 1,
        };
        self.bytes.drain(first..at);
        at - first
    }

    /// IAC EL at position `at` of the vector [`tail`](Self::tail) returned: removes the partial
    /// line before it. Returns how many bytes went.
    pub(crate) fn erase_line_at(&mut self, at: usize) -> usize {
        let at = at.clamp(self.start, self.bytes.len());
        let line_start = memchr::memrchr2(b'\r', b'\n', &self.bytes[self.start..at])
            .map_or(self.start, |i| self.start + i + 1);
        self.bytes.drain(line_start..at);
        at - line_start
    }

    /// The vector new input is appended to (compacted first if that saves a lot).
    pub(crate) fn tail(&mut self) -> &mut Vec<u8> {
        if self.start > 0 && self.start >= self.bytes.len() / 2 {
            self.bytes.drain(..self.start);
            self.start = 0;
        }
        &mut self.bytes
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn consume_take_truncate() {
        let mut buffer = InputBuffer::default();
        buffer.tail().extend_from_slice(b"hello world");
        buffer.consume(6);
        assert_eq!(buffer.as_slice(), b"world");
        assert_eq!(buffer.take(3), b"wor");
        buffer.tail().extend_from_slice(b"!!");
        assert_eq!(buffer.as_slice(), b"ld!!");
        buffer.consume(10);
        assert!(buffer.is_empty());
    }

    #[test]
    fn erase_at_a_position() {
        let mut buffer = InputBuffer::default();
        buffer.tail().extend_from_slice(b"xxok\r\nwrong");
        buffer.consume(2);
        // EL right after "wrong" (position 11), then more data.
        buffer.tail().extend_from_slice(b"right");
        assert_eq!(buffer.erase_line_at(11), 5);
        assert_eq!(buffer.as_slice(), b"ok\r\nright");
        assert_eq!(buffer.erase_character_at(11, Encoding::Utf8), 1);
        assert_eq!(buffer.as_slice(), b"ok\r\nrigh");
        assert_eq!(
            buffer.erase_character_at(6, Encoding::Utf8),
            0,
            "a line end is not erased"
        );
        assert_eq!(buffer.erase_line_at(2), 0, "what was read is not erased");
    }
}
