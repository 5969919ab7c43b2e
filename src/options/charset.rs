//! CHARSET (RFC 2066): `REQUEST <sep> name <sep> name ...`, answered with `ACCEPTED name` or
//! `REJECTED`. Translation tables (`TTABLE-*`) are recognised and always rejected.

/// `REQUEST`: offers a list of character sets.
pub const REQUEST: u8 = 1;
/// `ACCEPTED`: picks one of the offered character sets.
pub const ACCEPTED: u8 = 2;
/// `REJECTED`: none of the offered character sets is acceptable.
pub const REJECTED: u8 = 3;
/// `TTABLE-IS`: a translation table.
pub const TTABLE_IS: u8 = 4;
/// `TTABLE-REJECTED`: the translation table was refused.
pub const TTABLE_REJECTED: u8 = 5;
/// `TTABLE-ACK`: the translation table was accepted.
pub const TTABLE_ACK: u8 = 6;
/// `TTABLE-NAK`: the translation table was garbled; send it again.
pub const TTABLE_NAK: u8 = 7;

/// A CHARSET subnegotiation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Charset {
    /// `REQUEST`: the character sets the sender can use, most preferred first.
    Request(Vec<String>),
    /// `ACCEPTED name`.
    Accepted(String),
    /// `REJECTED`.
    Rejected,
    /// Any `TTABLE-*` message (4..=7), carried raw.
    TranslationTable {
        /// The subcommand byte.
        command: u8,
        /// The rest of the payload.
        data: Vec<u8>,
    },
}

impl Charset {
    /// Decodes the payload after the option byte.
    pub fn decode(payload: &[u8]) -> Result<Charset, &'static str> {
        let (&command, rest) = payload
            .split_first()
            .ok_or("empty CHARSET subnegotiation")?;
        match command {
            REQUEST => {
                // An optional "[TTABLE]" and a version byte come before the separator.
                let rest = match rest.strip_prefix(b"[TTABLE]") {
                    Some(after) => after.get(1..).ok_or("CHARSET TTABLE version missing")?,
                    None => rest,
                };
                let (&separator, names) = rest
                    .split_first()
                    .ok_or("CHARSET REQUEST has no separator")?;
                let names: Vec<String> = names
                    .split(|&b| b == separator)
                    .filter(|name| !name.is_empty())
                    .map(|name| String::from_utf8_lossy(name).into_owned())
                    .collect();
                if names.is_empty() {
                    return Err("CHARSET REQUEST names no character set");
                }
                Ok(Charset::Request(names))
            }
            ACCEPTED => {
                if rest.is_empty() {
                    return Err("CHARSET ACCEPTED names no character set");
                }
                Ok(Charset::Accepted(
                    String::from_utf8_lossy(rest).into_owned(),
                ))
            }
            REJECTED => Ok(Charset::Rejected),
            TTABLE_IS..=TTABLE_NAK => Ok(Charset::TranslationTable {
                command,
                data: rest.to_vec(),
            }),
            _ => Err("unknown CHARSET subcommand"),
        }
    }

    /// The payload after the option byte. A request uses `;` as separator, as telnetlib3 does.
    pub fn encode(&self) -> Vec<u8> {
        match self {
            Charset::Request(names) => {
                let mut out = vec![REQUEST];
                for name in names {
                    out.push(b';');
                    out.extend_from_slice(name.as_bytes());
                }
                out
            }
            Charset::Accepted(name) => {
                let mut out = vec![ACCEPTED];
                out.extend_from_slice(name.as_bytes());
                out
            }
            Charset::Rejected => vec![REJECTED],
            Charset::TranslationTable { command, data } => {
                let mut out = vec![*command];
                out.extend_from_slice(data);
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
        let request = Charset::Request(vec!["UTF-8".into(), "US-ASCII".into()]);
        assert_eq!(request.encode(), b"\x01;UTF-8;US-ASCII");
        assert_eq!(Charset::decode(b"\x01;UTF-8;US-ASCII"), Ok(request));
        assert_eq!(
            Charset::decode(b"\x01 latin1 utf-8"),
            Ok(Charset::Request(vec!["latin1".into(), "utf-8".into()]))
        );
        assert_eq!(
            Charset::decode(b"\x01[TTABLE]\x01;UTF-8"),
            Ok(Charset::Request(vec!["UTF-8".into()]))
        );
        assert_eq!(
            Charset::decode(b"\x02UTF-8"),
            Ok(Charset::Accepted("UTF-8".into()))
        );
        assert_eq!(Charset::decode(&[3]), Ok(Charset::Rejected));
        assert!(Charset::decode(&[]).is_err());
        assert!(Charset::decode(&[1]).is_err());
        assert!(Charset::decode(&[1, b';']).is_err());
        assert!(Charset::decode(&[2]).is_err());
        assert!(Charset::decode(&[99]).is_err());
    }
}
