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
//! its two halves.
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
}

/// Makes the input layer that a stream switch of `option` starts.
pub(crate) type SwitchHandler = Box<dyn FnMut(TelnetOption) -> Option<Box<dyn InputLayer>> + Send>;

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
        self.layers.push(layer);
        self.scratch.push(Vec::new());
    }

    /// Runs `input` through the layers from `from` on, and returns the decoded bytes.
    pub(crate) fn decode_from(&mut self, from: usize, input: &[u8]) -> io::Result<Vec<u8>> {
        let mut current = input.to_vec();
        for (layer, scratch) in self
            .layers
            .iter_mut()
            .zip(self.scratch.iter_mut())
            .skip(from)
        {
            scratch.clear();
            layer.decode(&current, scratch)?;
            std::mem::swap(&mut current, scratch);
        }
        Ok(current)
    }

    pub(crate) fn len(&self) -> usize {
        self.layers.len()
    }
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

    pub(crate) fn push(&mut self, layer: Box<dyn OutputLayer>) {
        log::debug!("output layer {} on", layer.name());
        self.layers.push(layer);
    }

    /// Encodes `input` through every layer into `output` (cleared first).
    pub(crate) fn encode(&mut self, input: &[u8], output: &mut Vec<u8>) -> io::Result<()> {
        let mut current = input.to_vec();
        for layer in &mut self.layers {
            let mut next = Vec::with_capacity(current.len() + 64);
            layer.pending(&mut next)?;
            layer.encode(&current, &mut next)?;
            current = next;
        }
        output.clear();
        output.extend_from_slice(&current);
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
}
