//! LINEMODE (RFC 1184): `MODE`, `FORWARDMASK` and `SLC` (set local characters).
//!
//! ironboa does no local line editing for a peer, so as a client it refuses `DO FORWARDMASK` and
//! acknowledges `MODE`; as a server it records what the client reports.

use crate::proto::Verb;
use crate::proto::command::{DO, DONT, WILL, WONT};

/// `MODE`: the line-mode mask.
pub const MODE: u8 = 1;
/// `FORWARDMASK`: which characters make the client forward a line.
pub const FORWARDMASK: u8 = 2;
/// `SLC`: set local characters.
pub const SLC: u8 = 3;

/// Mode bit: the client edits lines locally.
pub const MODE_EDIT: u8 = 0x01;
/// Mode bit: the client traps signals (turns ^C into IAC IP, ...).
pub const MODE_TRAPSIG: u8 = 0x02;
/// Mode bit: this `MODE` acknowledges one received.
pub const MODE_ACK: u8 = 0x04;
/// Mode bit: the client expands tabs.
pub const MODE_SOFT_TAB: u8 = 0x08;
/// Mode bit: the client echoes non-printables literally.
pub const MODE_LIT_ECHO: u8 = 0x10;

/// One SLC triple: a function, its flags (level and modifiers) and its character.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SlcTriple {
    /// The function: 1 SYNCH, 2 BRK, 3 IP, 4 AO, 5 AYT, 6 EOR, 7 ABORT, 8 EOF, 9 SUSP, 10 EC,
    /// 11 EL, 12 EW, 13 RP, 14 LNEXT, 15 XON, 16 XOFF, 17 FORW1, 18 FORW2, ...
    pub function: u8,
    /// Support level (low two bits: 0 NOSUPPORT, 1 CANTCHANGE, 2 VALUE, 3 DEFAULT) and the
    /// ACK (0x80), FLUSHIN (0x40) and FLUSHOUT (0x20) bits.
    pub flags: u8,
    /// The character, e.g. 0x03 for ^C.
    pub value: u8,
}

/// A LINEMODE subnegotiation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Linemode {
    /// `MODE mask`.
    Mode(u8),
    /// `DO|DONT|WILL|WONT FORWARDMASK [mask]`.
    ForwardMask {
        /// The verb inside the subnegotiation.
        verb: Verb,
        /// The mask bytes (only after `DO`).
        mask: Vec<u8>,
    },
    /// `SLC` triples.
    Slc(Vec<SlcTriple>),
}

impl Linemode {
    /// Decodes the payload after the option byte.
    pub fn decode(payload: &[u8]) -> Result<Linemode, &'static str> {
        let (&command, rest) = payload
            .split_first()
            .ok_or("empty LINEMODE subnegotiation")?;
        match command {
            MODE => match rest {
                [mask] => Ok(Linemode::Mode(*mask)),
                _ => Err("LINEMODE MODE takes one byte"),
            },
            SLC => {
                if rest.len() % 3 != 0 {
                    return Err("LINEMODE SLC is not a list of triples");
                }
                Ok(Linemode::Slc(
                    rest.chunks_exact(3)
                        .map(|t| SlcTriple {
                            function: t[0],
                            flags: t[1],
                            value: t[2],
                        })
                        .collect(),
                ))
            }
            DO | DONT | WILL | WONT => {
                let verb = Verb::from_byte(command).ok_or("LINEMODE verb")?;
                match rest.split_first() {
                    Some((&FORWARDMASK, mask)) => Ok(Linemode::ForwardMask {
                        verb,
                        mask: mask.to_vec(),
                    }),
                    _ => Err("LINEMODE negotiation of an unknown suboption"),
                }
            }
            _ => Err("unknown LINEMODE subcommand"),
        }
    }

    /// The payload after the option byte.
    pub fn encode(&self) -> Vec<u8> {
        match self {
            Linemode::Mode(mask) => vec![MODE, *mask],
            Linemode::ForwardMask { verb, mask } => {
                let mut out = vec![verb.byte(), FORWARDMASK];
                out.extend_from_slice(mask);
                out
            }
            Linemode::Slc(triples) => {
                let mut out = Vec::with_capacity(1 + 3 * triples.len());
                out.push(SLC);
                for t in triples {
                    out.extend_from_slice(&[t.function, t.flags, t.value]);
                }
                out
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_inetutils_slc() {
        // The SLC list Debian's telnet client sends right after WILL LINEMODE (PEERS.md).
        let payload = [
            3, 1, 0, 0, 3, 98, 3, 4, 2, 15, 5, 0, 0, 7, 98, 28, 8, 2, 4, 9, 66, 26, 10, 2, 127, 11,
            2, 21, 12, 2, 23, 13, 2, 18, 14, 2, 22, 15, 2, 17, 16, 2, 19, 17, 0, 0, 18, 0, 0,
        ];
        let Ok(Linemode::Slc(triples)) = Linemode::decode(&payload) else {
            panic!("not SLC");
        };
        assert_eq!(triples.len(), 16);
        assert_eq!(
            triples[1],
            SlcTriple {
                function: 3,
                flags: 98,
                value: 3
            }
        );
        assert_eq!(Linemode::Slc(triples).encode(), payload);
    }

    #[test]
    fn round_trip_and_errors() {
        for message in [
            Linemode::Mode(MODE_EDIT | MODE_ACK),
            Linemode::ForwardMask {
                verb: Verb::Do,
                mask: vec![0xff, 0],
            },
            Linemode::ForwardMask {
                verb: Verb::Wont,
                mask: vec![],
            },
        ] {
            assert_eq!(Linemode::decode(&message.encode()), Ok(message));
        }
        assert!(Linemode::decode(&[]).is_err());
        assert!(Linemode::decode(&[MODE]).is_err());
        assert!(Linemode::decode(&[SLC, 1, 2]).is_err());
        assert!(Linemode::decode(&[DO, 9]).is_err());
        assert!(Linemode::decode(&[77]).is_err());
    }
}
