//! CHARSET (RFC 2066): `REQUEST <sep> name <sep> name ...`, answered with `ACCEPTED name` or
//! `REJECTED`. Translation tables (`TTABLE-*`) are recognised and always rejected.
//!
//! Roles (RFC 2066 section 2 and 4): a REQUEST "can only be sent by a side that has received a
//! DO CHARSET message and sent a WILL CHARSET message (in either order)"; the receiver answers
//! with ACCEPTED naming one of the offered sets, or REJECTED. When both sides send REQUEST at
//! once, "the server side MUST issue a negative acknowledgment. The client side MUST respond to
//! the one from the server." An `ACCEPTED` that names nothing is decoded as [`Charset::Rejected`]:
//! telnetlib3's client (5.0.1, started with an `--encoding` the server does not offer) refuses
//! with `IAC SB CHARSET ACCEPTED IAC SE`.

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
    /// `REJECTED`, or an `ACCEPTED` that names no character set (a refusal too).
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
            // An empty ACCEPTED accepts nothing: telnetlib3's client refuses that way.
            ACCEPTED if rest.is_empty() => Ok(Charset::Rejected),
            ACCEPTED => Ok(Charset::Accepted(
                String::from_utf8_lossy(rest).into_owned(),
            )),
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
        assert!(Charset::decode(&[99]).is_err());
    }

    #[test]
    fn empty_accepted_is_a_refusal() {
        // telnetlib3-client --encoding cp437 answers a REQUEST without CP437 with exactly this
        // payload (IAC SB CHARSET 02 IAC SE).
        assert_eq!(Charset::decode(&[ACCEPTED]), Ok(Charset::Rejected));
        assert_eq!(Charset::decode(&[REJECTED]), Ok(Charset::Rejected));
        // A name makes it an acceptance, as before.
        assert_eq!(
            Charset::decode(b"\x02CP437"),
            Ok(Charset::Accepted("CP437".into()))
        );
    }
}
