//! TSPEED, terminal speed (RFC 1079): `SB TSPEED IS "transmit,receive"` in ASCII decimal.

/// `IS`: the payload carries the speeds.
pub const IS: u8 = 0;
/// `SEND`: a request for the speeds.
pub const SEND: u8 = 1;

/// A TSPEED subnegotiation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TerminalSpeed {
    /// `SEND`: the server asks for the speeds.
    Send,
    /// `IS transmit,receive`, in bits per second.
    Is {
        /// The terminal's transmit speed.
        transmit: u32,
        /// The terminal's receive speed.
        receive: u32,
    },
}

impl TerminalSpeed {
    /// Decodes the payload after the option byte.
    pub fn decode(payload: &[u8]) -> Result<TerminalSpeed, &'static str> {
        match payload.split_first() {
            Some((&SEND, [])) => Ok(TerminalSpeed::Send),
            Some((&IS, text)) => {
                let text = std::str::from_utf8(text).map_err(|_| "TSPEED is not ASCII")?;
                let (tx, rx) = text.split_once(',').ok_or("TSPEED IS has no comma")?;
                let transmit = tx.trim().parse().map_err(|_| "TSPEED transmit speed")?;
                let receive = rx.trim().parse().map_err(|_| "TSPEED receive speed")?;
                Ok(TerminalSpeed::Is { transmit, receive })
            }
            Some(_) => Err("unknown TSPEED subcommand"),
            None => Err("empty TSPEED subnegotiation"),
        }
    }

    /// The payload after the option byte.
    pub fn encode(&self) -> Vec<u8> {
        match self {
            TerminalSpeed::Send => vec![SEND],
            TerminalSpeed::Is { transmit, receive } => {
                let mut out = vec![IS];
                out.extend_from_slice(format!("{transmit},{receive}").as_bytes());
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
        let speed = TerminalSpeed::Is {
            transmit: 38400,
            receive: 9600,
        };
        assert_eq!(speed.encode(), b"\x0038400,9600");
        assert_eq!(TerminalSpeed::decode(b"\x0038400,9600"), Ok(speed));
        assert_eq!(TerminalSpeed::decode(&[1]), Ok(TerminalSpeed::Send));
        assert!(TerminalSpeed::decode(b"\x0038400").is_err());
        assert!(TerminalSpeed::decode(b"\x00fast,slow").is_err());
        assert!(TerminalSpeed::decode(b"\x0099999999999,1").is_err());
    }
}
