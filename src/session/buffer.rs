//! The decoded input waiting for the application: a byte buffer consumed from the front.

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

    /// Drops the unread bytes from `len` on.
    pub(crate) fn truncate(&mut self, len: usize) {
        self.bytes.truncate(self.start + len);
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
        buffer.truncate(2);
        assert_eq!(buffer.as_slice(), b"ld");
        buffer.consume(10);
        assert!(buffer.is_empty());
    }
}
