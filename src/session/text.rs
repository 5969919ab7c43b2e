//! The connection's text encoding: the one configured, the one negotiated (CHARSET, or the
//! client's `LANG`), or the one the application set during the session; and the text calls'
//! handling of bytes it cannot decode.

use parking_lot::Mutex;

use super::Session;
use crate::encoding::{Encoding, EncodingErrors, from_locale};
use crate::error::Result;
use crate::proto::{Engine, PeerInfo};

/// What the application chose during the session.
#[derive(Debug, Default)]
pub(crate) struct TextSettings {
    /// Set with `set_encoding`: wins over anything negotiated.
    chosen: Option<Encoding>,
    errors: EncodingErrors,
}

impl TextSettings {
    pub(crate) fn new(errors: EncodingErrors) -> Mutex<TextSettings> {
        Mutex::new(TextSettings {
            chosen: None,
            errors,
        })
    }
}

/// The encoding the peer's negotiation names: the character set agreed with CHARSET, else the
/// encoding part of the `LANG` it sent with NEW_ENVIRON (`ru_RU.KOI8-R`), if known.
pub(crate) fn negotiated(peer: &PeerInfo) -> Option<Encoding> {
    if let Some(charset) = &peer.charset {
        if let Some(encoding) = Encoding::from_name(charset) {
            return Some(encoding);
        }
    }
    peer.environment
        .get("LANG")
        .and_then(|lang| from_locale(lang))
}

impl Session {
    /// The encoding of the text calls now: the one set with
    /// [`set_encoding`](Self::set_encoding), else the negotiated one, else the configured one
    /// (a session configured for raw bytes never switches by negotiation).
    pub(crate) fn encoding(&self) -> Encoding {
        self.encoding_or(|| self.inspect(|engine| negotiated(engine.peer())))
    }

    /// [`encoding`](Self::encoding), for a caller that holds the engine's lock.
    pub(crate) fn encoding_with(&self, engine: &Engine) -> Encoding {
        self.encoding_or(|| negotiated(engine.peer()))
    }

    fn encoding_or(&self, negotiated: impl FnOnce() -> Option<Encoding>) -> Encoding {
        let chosen = self.text.lock().chosen;
        if let Some(chosen) = chosen {
            return chosen;
        }
        let configured = self.options.encoding;
        if configured == Encoding::Bytes {
            return configured;
        }
        negotiated().unwrap_or(configured)
    }

    /// Switches the text calls to `encoding` from now on, over anything negotiated.
    pub(crate) fn set_encoding(&self, encoding: Encoding) {
        self.text.lock().chosen = Some(encoding);
    }

    pub(crate) fn encoding_errors(&self) -> EncodingErrors {
        self.text.lock().errors
    }

    pub(crate) fn set_encoding_errors(&self, errors: EncodingErrors) {
        self.text.lock().errors = errors;
    }

    /// Decodes received bytes in the session's encoding and with its error handling.
    pub(crate) fn decode_text(&self, bytes: &[u8]) -> Result<String> {
        self.encoding().decode_with(bytes, self.encoding_errors())
    }

    /// Encodes text to send in the session's encoding and with its error handling.
    pub(crate) fn encode_text(&self, text: &str, out: &mut Vec<u8>) -> Result<()> {
        self.encoding()
            .encode_with(text, self.encoding_errors(), out)
    }
}
