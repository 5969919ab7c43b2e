//! XDISPLOC, X display location (RFC 1096): `SB XDISPLOC IS "host:display"`.

/// `IS`: the payload carries the display location.
pub const IS: u8 = 0;
/// `SEND`: a request for the display location.
pub const SEND: u8 = 1;

/// An XDISPLOC subnegotiation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum XDisplay {
    /// `SEND`: the server asks for the X display.
    Send,
    /// `IS host:display[.screen]`.
    Is(String),
}

impl XDisplay {
    /// Decodes the payload after the option byte.
    pub fn decode(payload: &[u8]) -> Result<XDisplay, &'static str> {
        match payload.split_first() {
            Some((&SEND, [])) => Ok(XDisplay::Send),
            Some((&IS, text)) => Ok(XDisplay::Is(String::from_utf8_lossy(text).into_owned())),
            Some(_) => Err("unknown XDISPLOC subcommand"),
            None => Err("empty XDISPLOC subnegotiation"),
        }
    }

    /// The payload after the option byte.
    pub fn encode(&self) -> Vec<u8> {
        match self {
            XDisplay::Send => vec![SEND],
            XDisplay::Is(display) => {
                let mut out = vec![IS];
                out.extend_from_slice(display.as_bytes());
                out
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_errors() {
        let display = XDisplay::Is("localhost:0".into());
        assert_eq!(XDisplay::decode(&display.encode()), Ok(display));
        assert_eq!(XDisplay::decode(&[1]), Ok(XDisplay::Send));
        assert!(XDisplay::decode(&[]).is_err());
        assert!(XDisplay::decode(&[9]).is_err());
    }
}
