//! TTYPE, terminal type (RFC 1091).
//!
//! The server sends `SB TTYPE SEND`; the client answers `SB TTYPE IS <name>`. Each further SEND
//! asks for the client's next type; a client that has run out repeats its last one, which is how
//! the server knows the list has ended.

/// `IS`: the payload carries a terminal type.
pub const IS: u8 = 0;
/// `SEND`: a request for the next terminal type.
pub const SEND: u8 = 1;

/// A TTYPE subnegotiation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TerminalType {
    /// `SEND`: the server asks for (the next) terminal type.
    Send,
    /// `IS name`: the client's terminal type.
    Is(String),
}

impl TerminalType {
    /// Decodes the payload after the option byte.
    pub fn decode(payload: &[u8]) -> Result<TerminalType, &'static str> {
        match payload.split_first() {
            Some((&SEND, [])) => Ok(TerminalType::Send),
            Some((&SEND, _)) => Err("TTYPE SEND carries no data"),
            Some((&IS, name)) => Ok(TerminalType::Is(String::from_utf8_lossy(name).into_owned())),
            Some(_) => Err("unknown TTYPE subcommand"),
            None => Err("empty TTYPE subnegotiation"),
        }
    }

    /// The payload after the option byte.
    pub fn encode(&self) -> Vec<u8> {
        match self {
            TerminalType::Send => vec![SEND],
            TerminalType::Is(name) => {
                let mut out = Vec::with_capacity(1 + name.len());
                out.push(IS);
                out.extend_from_slice(name.as_bytes());
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
        assert_eq!(TerminalType::decode(&[1]), Ok(TerminalType::Send));
        assert_eq!(
            TerminalType::decode(b"\x00XTERM"),
            Ok(TerminalType::Is("XTERM".into()))
        );
        assert_eq!(TerminalType::Is("xterm".into()).encode(), b"\x00xterm");
        assert!(TerminalType::decode(&[]).is_err());
        assert!(TerminalType::decode(&[7]).is_err());
        assert!(TerminalType::decode(&[1, 2]).is_err());
    }
}
