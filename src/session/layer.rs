//! Layers: transformations of the byte stream between the transport and the engine.
//!
//! ```text
//!   transport ──read──► input layers (innermost first) ──► engine ──► data, events
//!   transport ◄─write── output layers (innermost last) ◄── engine output, application data
//! ```
//!
//! TLS is a layer in both directions; MCCP2 compression is an output layer on a server and an
//! input layer on a client, switched on at an exact byte of the stream: everything after the
//! `IAC SE` of `IAC SB MCCP2 IAC SE` is compressed. On the reading side the engine stops right
//! there ([`Engine::receive_until_switch`](crate::proto::Engine::receive_until_switch)), the
//! session asks its [`SwitchHandler`] for the new input layer, and feeds the rest of the same
//! read through it. On the writing side a layer is installed between two writes, after
//! everything queued before it has gone out ([`Session::push_output_layer`]).
//!
//! Input layers are owned by the reading side and output layers by the writing side, so
//! neither direction locks the other; a layer that needs both (TLS) shares its state between
//! its two halves, locked only while it encodes or decodes, never during transport I/O. What
//! such a layer must send on its own account after decoding (a TLS key update's answer) it
//! reports with [`InputLayer::wants_write`]; the session then writes through the output layers,
//! whose [`OutputLayer::pending`] hands the bytes over. An orderly close ends each output
//! layer's stream ([`OutputLayer::finish`]: a TLS close_notify).
//!
//! [`Session::push_output_layer`]: super::Session::push_output_layer

use std::io;

use crate::proto::TelnetOption;

/// Decodes bytes read from the transport (or the layer below) for the layer above.
pub(crate) trait InputLayer: Send {
    /// A short name for logs ("tls", "mccp2").
    fn name(&self) -> &'static str;

    /// Decodes `input`, appending what it yields to `output`. An error ends the connection.
    fn decode(&mut self, input: &[u8], output: &mut Vec<u8>) -> io::Result<()>;

    /// Whether the last `decode` left bytes that the layer's output half must send on its own
    /// account (see [`OutputLayer::pending`]).
    fn wants_write(&self) -> bool {
        false
    }

    /// Whether the peer has ended the layer's stream in order (a TLS close_notify): nothing
    /// after it is decoded, and the session ends once what came before it has been read.
    fn ended(&self) -> bool {
        false
    }

    /// The transport's stream ended. A layer whose protocol has an orderly end of its own
    /// (TLS) notes whether the peer used it.
    fn end_of_stream(&mut self, _peer: &super::PeerAddress) {}

    /// Whether the layer holds input it has not decoded yet because the last `decode` gave
    /// out as much as one call may (a decompressor's bound on one call's output): the session
    /// calls `decode` again with no new input before it reads the transport, and only while
    /// the application keeps reading, so a small compressed read cannot fill memory.
    fn has_pending(&self) -> bool {
        false
    }

    /// Whether the layer only passes bytes through from now on (a compressed stream that
    /// ended): it is taken off the next time a layer is added, so a peer that starts and ends
    /// compression again and again does not pile layers up.
    fn spent(&self) -> bool {
        false
    }
}

/// Encodes bytes on their way to the transport.
pub(crate) trait OutputLayer: Send {
    /// A short name for logs ("tls", "mccp2").
    fn name(&self) -> &'static str;

    /// Encodes `input`, appending the result to `output`. Everything given must be in
    /// `output` afterwards (flushed through any internal buffer), so a write is complete.
    fn encode(&mut self, input: &[u8], output: &mut Vec<u8>) -> io::Result<()>;

    /// Bytes the layer has to send on its own account (a TLS ticket or key update), appended
    /// to `output`. Called before each write.
    fn pending(&mut self, _output: &mut Vec<u8>) -> io::Result<()> {
        Ok(())
    }

    /// Bytes that end the layer's stream in order (a TLS close_notify), appended to `output`.
    /// Called once, when the connection is closed in order.
    fn finish(&mut self, _output: &mut Vec<u8>) -> io::Result<()> {
        Ok(())
    }
}

/// Makes the input layer that a stream switch of `option` starts.
pub(crate) type SwitchHandler = Box<dyn FnMut(TelnetOption) -> Option<Box<dyn InputLayer>> + Send>;

/// A change of the output layers at an exact byte of the output (see [`OutputSwitcher`]).
#[cfg_attr(not(feature = "mccp"), allow(dead_code))]
pub(crate) enum OutputSwitch {
    /// Everything queued after this point goes through the layer (MCCP2 after its
    /// `IAC SB MCCP2 IAC SE`).
    Start(Box<dyn OutputLayer>),
    /// The outermost layer of this name ends its stream here ([`OutputLayer::finish`]) and is
    /// taken off: what follows goes out without it.
    End(&'static str),
}

/// Sees every event the reading side handles, then `None` once the events of a read are all
/// handled (and their replies queued), with the engine locked; it may queue output on it
/// (`IAC SB MCCP2 IAC SE`) and return a change of the output layers that takes effect right
/// after everything queued so far.
pub(crate) type OutputSwitcher = Box<
    dyn FnMut(&mut crate::proto::Engine, Option<&crate::proto::Event>) -> Option<OutputSwitch>
        + Send,
>;

/// The input layers in order, innermost (next to the transport) first.
#[derive(Default)]
pub(crate) struct InputLayers {
    layers: Vec<Box<dyn InputLayer>>,
    scratch: Vec<Vec<u8>>,
}

impl InputLayers {
    pub(crate) fn is_empty(&self) -> bool {
        self.layers.is_empty()
    }

    pub(crate) fn push(&mut self, layer: Box<dyn InputLayer>) {
        log::debug!("input layer {} on", layer.name());
        let mut index = 0;
        while index < self.layers.len() {
            if self.layers[index].spent() {
                log::debug!("input layer {} off", self.layers[index].name());
                self.layers.remove(index);
                self.scratch.remove(index);
            } else {
                index += 1;
            }
        }
        self.layers.push(layer);
        self.scratch.push(Vec::new());
    }

    /// Whether a layer holds input it has not decoded yet (see [`InputLayer::has_pending`]).
    pub(crate) fn has_pending(&self) -> bool {
        self.layers.iter().any(|layer| layer.has_pending())
    }

    /// Decodes more of what a layer holds (see [`InputLayer::has_pending`]): no new input
    /// enters, from the first layer that holds some on.
    pub(crate) fn resume(&mut self) -> io::Result<Vec<u8>> {
        match self.layers.iter().position(|layer| layer.has_pending()) {
            Some(from) => self.decode_from(from, &[]),
            None => Ok(Vec::new()),
        }
    }

    /// Runs `input` through the layers from `from` on, and returns the decoded bytes.
    ///
    /// The first layer decodes `input` where it lies, into a buffer made for this call with
    /// room for all of it and a TLS record begun in an earlier read ([`DECODE_SLACK`]), so a
    /// layer whose output is no larger than its input (TLS) neither copies the input first nor
    /// grows its output; one that expands (decompression) grows it as it goes. Each further
    /// layer decodes the one before's output. Nothing stays allocated between calls for a
    /// single layer.
    pub(crate) fn decode_from(&mut self, from: usize, input: &[u8]) -> io::Result<Vec<u8>> {
        let mut stages = self
            .layers
            .iter_mut()
            .zip(self.scratch.iter_mut())
            .skip(from);
        let Some((first, _)) = stages.next() else {
            return Ok(input.to_vec());
        };
        let mut current = Vec::with_capacity(input.len() + DECODE_SLACK);
        first.decode(input, &mut current)?;
        for (layer, scratch) in stages {
            scratch.clear();
            layer.decode(&current, scratch)?;
            std::mem::swap(&mut current, scratch);
        }
        Ok(current)
    }

    pub(crate) fn len(&self) -> usize {
        self.layers.len()
    }

    /// Whether a layer has bytes of its own to send (see [`InputLayer::wants_write`]).
    pub(crate) fn wants_write(&self) -> bool {
        self.layers.iter().any(|layer| layer.wants_write())
    }

    /// Whether a layer's stream has ended in order (see [`InputLayer::ended`]).
    pub(crate) fn ended(&self) -> bool {
        self.layers.iter().any(|layer| layer.ended())
    }

    /// Tells every layer that the transport's stream ended.
    pub(crate) fn end_of_stream(&mut self, peer: &super::PeerAddress) {
        for layer in &mut self.layers {
            layer.end_of_stream(peer);
        }
    }
}

/// Room for what the first input layer's output may hold beyond its input: the rest of a TLS
/// record (at most 16 KiB of plaintext) whose first bytes came in an earlier read.
const DECODE_SLACK: usize = 16 * 1024 + 256;

/// Room for `n` bytes once a layer has encoded them: TLS adds 22 bytes to each record of up to
/// 16 KiB, and a layer's own records (a ticket, a key update) come before them.
fn encoded_room(n: usize) -> usize {
    n + n / 512 + 256
}

/// The output layers in order, outermost (next to the engine) first.
#[derive(Default)]
pub(crate) struct OutputLayers {
    layers: Vec<Box<dyn OutputLayer>>,
}

impl OutputLayers {
    pub(crate) fn is_empty(&self) -> bool {
        self.layers.is_empty()
    }

    /// Adds a layer next to the engine: everything written from now on goes through it first,
    /// then through the layers that were there before (compression inside TLS).
    pub(crate) fn push(&mut self, layer: Box<dyn OutputLayer>) {
        log::debug!("output layer {} on", layer.name());
        self.layers.insert(0, layer);
    }

    /// Encodes `input` through every layer, with what each has to send on its own account
    /// before it, and appends the result to `output`.
    pub(crate) fn encode(&mut self, input: &[u8], output: &mut Vec<u8>) -> io::Result<()> {
        self.encode_from(0, input, output)
    }

    /// Encodes `input` through the layers from `from` on. Each layer but the last encodes into
    /// a buffer of its own; the last (next to the transport) appends straight to `output`, so a
    /// single layer (TLS) costs no copy of its input and none of its output. On an error,
    /// `output` is left as it was.
    fn encode_from(&mut self, from: usize, input: &[u8], output: &mut Vec<u8>) -> io::Result<()> {
        let start = from.min(self.layers.len());
        let Some((last, inner)) = self.layers[start..].split_last_mut() else {
            output.extend_from_slice(input);
            return Ok(());
        };
        let mut current = std::borrow::Cow::Borrowed(input);
        for layer in inner {
            let mut next = Vec::with_capacity(encoded_room(current.len()));
            layer.pending(&mut next)?;
            layer.encode(&current, &mut next)?;
            current = std::borrow::Cow::Owned(next);
        }
        let before = output.len();
        output.reserve(encoded_room(current.len()));
        let result = last
            .pending(output)
            .and_then(|()| last.encode(&current, output));
        if result.is_err() {
            output.truncate(before);
        }
        result
    }

    /// Ends the stream of the outermost layer called `name` (its end goes through the layers
    /// under it, appended to `output`) and takes it off. Nothing happens when the outermost
    /// layer has another name.
    pub(crate) fn finish_outermost(
        &mut self,
        name: &'static str,
        output: &mut Vec<u8>,
    ) -> io::Result<()> {
        if self.layers.first().is_none_or(|layer| layer.name() != name) {
            return Ok(());
        }
        let mut end = Vec::new();
        self.layers[0].finish(&mut end)?;
        self.encode_from(1, &end, output)?;
        let layer = self.layers.remove(0);
        log::debug!("output layer {} off", layer.name());
        Ok(())
    }

    /// Ends every layer's stream in order, outermost first (each end goes through the layers
    /// under it), appending the bytes to `output`.
    pub(crate) fn finish(&mut self, output: &mut Vec<u8>) -> io::Result<()> {
        for index in 0..self.layers.len() {
            let mut end = Vec::new();
            self.layers[index].finish(&mut end)?;
            self.encode_from(index + 1, &end, output)?;
        }
        Ok(())
    }
}

#[cfg(test)]
pub(crate) mod testing {
    //! A toy layer for tests: XOR with a key byte, both ways.

    use super::*;

    pub(crate) struct Xor(pub(crate) u8);

    impl InputLayer for Xor {
        fn name(&self) -> &'static str {
            "xor"
        }
        fn decode(&mut self, input: &[u8], output: &mut Vec<u8>) -> io::Result<()> {
            output.extend(input.iter().map(|b| b ^ self.0));
            Ok(())
        }
    }

    impl OutputLayer for Xor {
        fn name(&self) -> &'static str {
            "xor"
        }
        fn encode(&mut self, input: &[u8], output: &mut Vec<u8>) -> io::Result<()> {
            output.extend(input.iter().map(|b| b ^ self.0));
            Ok(())
        }
    }

    /// A two-way toy layer in the shape of TLS: its input half passes bytes through, except
    /// that `?` makes it owe the peer a `!` (sent by its output half, on its own account) and
    /// `.` ends its stream (nothing after it is decoded); its output half frames each write
    /// in `[` `]` and ends its stream with `$`.
    pub(crate) fn ping() -> (PingInput, PingOutput) {
        let owed = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        (
            PingInput {
                owed: owed.clone(),
                ended: false,
            },
            PingOutput { owed },
        )
    }

    pub(crate) struct PingInput {
        owed: std::sync::Arc<std::sync::atomic::AtomicUsize>,
        ended: bool,
    }

    pub(crate) struct PingOutput {
        owed: std::sync::Arc<std::sync::atomic::AtomicUsize>,
    }

    impl InputLayer for PingInput {
        fn name(&self) -> &'static str {
            "ping"
        }
        fn decode(&mut self, input: &[u8], output: &mut Vec<u8>) -> io::Result<()> {
            for &byte in input {
                match byte {
                    _ if self.ended => {}
                    b'?' => {
                        self.owed.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                    }
                    b'.' => self.ended = true,
                    other => output.push(other),
                }
            }
            Ok(())
        }
        fn wants_write(&self) -> bool {
            self.owed.load(std::sync::atomic::Ordering::SeqCst) > 0
        }
        fn ended(&self) -> bool {
            self.ended
        }
    }

    impl OutputLayer for PingOutput {
        fn name(&self) -> &'static str {
            "ping"
        }
        fn encode(&mut self, input: &[u8], output: &mut Vec<u8>) -> io::Result<()> {
            if !input.is_empty() {
                output.push(b'[');
                output.extend_from_slice(input);
                output.push(b']');
            }
            Ok(())
        }
        fn pending(&mut self, output: &mut Vec<u8>) -> io::Result<()> {
            let owed = self.owed.swap(0, std::sync::atomic::Ordering::SeqCst);
            output.extend(std::iter::repeat_n(b'!', owed));
            Ok(())
        }
        fn finish(&mut self, output: &mut Vec<u8>) -> io::Result<()> {
            output.push(b'$');
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::testing::{Xor, ping};
    use super::*;

    /// An output layer that writes half of what it is given, then fails.
    struct FailsHalfway;

    impl OutputLayer for FailsHalfway {
        fn name(&self) -> &'static str {
            "fails-halfway"
        }
        fn encode(&mut self, input: &[u8], output: &mut Vec<u8>) -> io::Result<()> {
            output.extend_from_slice(&input[..input.len() / 2]);
            Err(io::ErrorKind::BrokenPipe.into())
        }
    }

    #[test]
    fn stacked_input_layers_decode_from_the_transport_side_or_from_a_given_layer() {
        let (ping_in, _ping_out) = ping();
        let mut layers = InputLayers::default();
        layers.push(Box::new(ping_in));
        layers.push(Box::new(Xor(0x20)));
        // The TLS-shaped layer first (it drops the `?`), then the XOR.
        assert_eq!(layers.decode_from(0, b"AB?CD").unwrap(), b"abcd");
        // A read that switched the stream at the second layer goes through it alone.
        assert_eq!(layers.decode_from(1, b"EF").unwrap(), b"ef");
        // Many reads of every size decode the same (the first layer's buffer is per call).
        for size in [0usize, 1, 4096, 70_000] {
            let wire: Vec<u8> = (0..size).map(|i| b'A' + (i % 26) as u8).collect();
            let expected: Vec<u8> = wire.iter().map(|b| b ^ 0x20).collect();
            assert_eq!(layers.decode_from(0, &wire).unwrap(), expected);
        }
    }

    #[test]
    fn stacked_output_layers_append_to_the_output_and_leave_it_whole_on_an_error() {
        let (ping_in, ping_out) = ping();
        let mut input = InputLayers::default();
        input.push(Box::new(ping_in));
        let mut layers = OutputLayers::default();
        layers.push(Box::new(ping_out));
        layers.push(Box::new(Xor(0x20)));
        // The peer asked for a `!`: it goes first, then the XORed data framed by the TLS-shaped
        // layer, after what the output already held.
        input.decode_from(0, b"?").unwrap();
        let mut wire = b"held:".to_vec();
        layers.encode(b"xy", &mut wire).unwrap();
        assert_eq!(wire, b"held:![XY]");
        // The XOR has no end of its own; the framing layer's end goes out as is.
        layers.finish(&mut wire).unwrap();
        assert_eq!(wire, b"held:![XY]$");

        let mut failing = OutputLayers::default();
        failing.push(Box::new(FailsHalfway));
        let mut wire = b"held:".to_vec();
        assert!(failing.encode(b"abcdef", &mut wire).is_err());
        assert_eq!(
            wire, b"held:",
            "a failed encode leaves nothing half written"
        );
    }
}
