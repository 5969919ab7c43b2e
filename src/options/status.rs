//! STATUS (RFC 859): `SEND` asks the peer to list what it believes the option states are; `IS`
//! lists `WILL option` for each option the sender performs and `DO option` for each it has asked
//! the receiver to perform, followed by any subnegotiation parameters.

use crate::proto::command::{DO, SB, SE, WILL};
use crate::proto::{TelnetOption, Verb};

/// `IS`: the sender's view of the option states.
pub const IS: u8 = 0;
/// `SEND`: a request for `IS`.
pub const SEND: u8 = 1;

/// A STATUS subnegotiation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Status {
    /// `SEND`.
    Send,
    /// `IS`: the `WILL`/`DO` pairs, in order; subnegotiation parameters are skipped.
    Is(Vec<(Verb, TelnetOption)>),
}

impl Status {
    /// Decodes the payload after the option byte.
    pub fn decode(payload: &[u8]) -> Result<Status, &'static str> {
        let (&command, mut rest) = payload.split_first().ok_or("empty STATUS subnegotiation")?;
        match command {
            SEND if rest.is_empty() => Ok(Status::Send),
            SEND => Err("STATUS SEND carries no data"),
            IS => {
                let mut states = Vec::new();
                while let Some((&verb, tail)) = rest.split_first() {
                    match verb {
                        WILL | DO => {
                            let (&option, tail) =
                                tail.split_first().ok_or("STATUS IS ends after a verb")?;
                            states
                                .push((Verb::from_byte(verb).ok_or("verb")?, TelnetOption(option)));
                            rest = tail;
                        }
                        SB => {
                            // Skip "SB option params SE"; a data byte SE is doubled inside.
                            let mut i = 0;
                            loop {
                                match tail.get(i) {
                                    None => return Err("STATUS IS has an unterminated SB"),
                                    Some(&SE) if tail.get(i + 1) == Some(&SE) => i += 2,
                                    Some(&SE) => break,
                                    Some(_) => i += 1,
                                }
                            }
                            rest = &tail[i + 1..];
                        }
                        _ => return Err("STATUS IS holds something other than WILL, DO or SB"),
                    }
                }
                Ok(Status::Is(states))
            }
            _ => Err("unknown STATUS subcommand"),
        }
    }

    /// The payload after the option byte.
    pub fn encode(&self) -> Vec<u8> {
        match self {
            Status::Send => vec![SEND],
            Status::Is(states) => {
                let mut out = vec![IS];
                for (verb, option) in states {
                    out.extend_from_slice(&[verb.byte(), option.0]);
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
    fn round_trip_and_errors() {
        let status = Status::Is(vec![
            (Verb::Will, TelnetOption::SGA),
            (Verb::Do, TelnetOption::NAWS),
        ]);
        assert_eq!(Status::decode(&status.encode()), Ok(status));
        assert_eq!(
            Status::decode(&[IS, SB, 31, 0, 80, SE, SE, 0, SE, WILL, 1]),
            Ok(Status::Is(vec![(Verb::Will, TelnetOption::ECHO)]))
        );
        assert_eq!(Status::decode(&[SEND]), Ok(Status::Send));
        assert!(Status::decode(&[IS, WILL]).is_err());
        assert!(Status::decode(&[IS, SB, 31]).is_err());
        assert!(Status::decode(&[IS, 7]).is_err());
        assert!(Status::decode(&[]).is_err());
    }
}
