//! NEW_ENVIRON, the environment option (RFC 1572); also used for the old ENVIRON (RFC 1408),
//! whose byte codes are the same.
//!
//! `SEND` asks for a list of variables (an empty list means "all"); `IS` answers a `SEND`;
//! `INFO` reports a change unprompted. Each entry is `VAR` or `USERVAR`, a name, and optionally
//! `VALUE` and a value. The bytes 0..=3 inside names and values are escaped with `ESC`.

/// `IS`: an answer to `SEND`.
pub const IS: u8 = 0;
/// `SEND`: a request for variables.
pub const SEND: u8 = 1;
/// `INFO`: an unprompted update.
pub const INFO: u8 = 2;
/// Marks a well-known variable name.
pub const VAR: u8 = 0;
/// Marks a value.
pub const VALUE: u8 = 1;
/// Escapes the next byte.
pub const ESC: u8 = 2;
/// Marks a user-defined variable name.
pub const USERVAR: u8 = 3;

/// Which of the three NEW_ENVIRON messages this is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EnvironKind {
    /// `IS`: an answer to `SEND`.
    Is,
    /// `SEND`: a request.
    Send,
    /// `INFO`: an unprompted update.
    Info,
}

/// Whether a variable is one of RFC 1572's well-known ones (`VAR`) or user-defined (`USERVAR`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VarKind {
    /// `VAR`: USER, JOB, ACCT, PRINTER, SYSTEMTYPE, DISPLAY, and in practice TERM, LANG, ...
    Var,
    /// `USERVAR`: anything else.
    UserVar,
}

/// One entry of a NEW_ENVIRON message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnvVar {
    /// `VAR` or `USERVAR`.
    pub kind: VarKind,
    /// The variable's name (may be empty: in a `SEND`, an empty name means "all of this kind").
    pub name: String,
    /// The value: `None` when the variable is undefined (no `VALUE`), `Some("")` when defined
    /// and empty. Always `None` in a `SEND`.
    pub value: Option<String>,
}

impl EnvVar {
    /// A `VAR` entry with a value.
    pub fn var(name: &str, value: &str) -> EnvVar {
        EnvVar {
            kind: VarKind::Var,
            name: name.to_owned(),
            value: Some(value.to_owned()),
        }
    }

    /// A `USERVAR` entry with a value.
    pub fn uservar(name: &str, value: &str) -> EnvVar {
        EnvVar {
            kind: VarKind::UserVar,
            name: name.to_owned(),
            value: Some(value.to_owned()),
        }
    }
}

/// A NEW_ENVIRON subnegotiation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Environ {
    /// `IS`, `SEND` or `INFO`.
    pub kind: EnvironKind,
    /// The entries, in order.
    pub vars: Vec<EnvVar>,
}

impl Environ {
    /// Decodes the payload after the option byte.
    pub fn decode(payload: &[u8]) -> Result<Environ, &'static str> {
        let (&command, mut rest) = payload
            .split_first()
            .ok_or("empty NEW_ENVIRON subnegotiation")?;
        let kind = match command {
            IS => EnvironKind::Is,
            SEND => EnvironKind::Send,
            INFO => EnvironKind::Info,
            _ => return Err("unknown NEW_ENVIRON subcommand"),
        };
        let mut vars = Vec::new();
        // Which field the bytes being read belong to.
        enum Field {
            None,
            Name,
            Value,
        }
        let mut field = Field::None;
        let mut name = Vec::new();
        let mut value: Option<Vec<u8>> = None;
        let mut var_kind = VarKind::Var;
        let finish = |vars: &mut Vec<EnvVar>,
                      kind: VarKind,
                      name: &mut Vec<u8>,
                      value: &mut Option<Vec<u8>>| {
            vars.push(EnvVar {
                kind,
                name: String::from_utf8_lossy(name).into_owned(),
                value: value
                    .take()
                    .map(|v| String::from_utf8_lossy(&v).into_owned()),
            });
            name.clear();
        };
        while let Some((&byte, tail)) = rest.split_first() {
            rest = tail;
            match byte {
                VAR | USERVAR => {
                    if !matches!(field, Field::None) {
                        finish(&mut vars, var_kind, &mut name, &mut value);
                    }
                    var_kind = if byte == VAR {
                        VarKind::Var
                    } else {
                        VarKind::UserVar
                    };
                    field = Field::Name;
                }
                VALUE => {
                    if matches!(field, Field::None) {
                        return Err("NEW_ENVIRON VALUE before any VAR");
                    }
                    value = Some(Vec::new());
                    field = Field::Value;
                }
                _ => {
                    let byte = if byte == ESC {
                        let (&escaped, tail) =
                            rest.split_first().ok_or("NEW_ENVIRON ends in ESC")?;
                        rest = tail;
                        escaped
                    } else {
                        byte
                    };
                    match field {
                        Field::None => return Err("NEW_ENVIRON data before any VAR"),
                        Field::Name => name.push(byte),
                        Field::Value => value.get_or_insert_with(Vec::new).push(byte),
                    }
                }
            }
        }
        if !matches!(field, Field::None) {
            finish(&mut vars, var_kind, &mut name, &mut value);
        }
        Ok(Environ { kind, vars })
    }

    /// The payload after the option byte.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = vec![match self.kind {
            EnvironKind::Is => IS,
            EnvironKind::Send => SEND,
            EnvironKind::Info => INFO,
        }];
        for var in &self.vars {
            out.push(match var.kind {
                VarKind::Var => VAR,
                VarKind::UserVar => USERVAR,
            });
            escape_into(var.name.as_bytes(), &mut out);
            if let Some(value) = &var.value {
                out.push(VALUE);
                escape_into(value.as_bytes(), &mut out);
            }
        }
        out
    }
}

fn escape_into(text: &[u8], out: &mut Vec<u8>) {
    for &byte in text {
        if byte <= USERVAR {
            out.push(ESC);
        }
        out.push(byte);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_telnetlib3_client_reply() {
        let payload = b"\x00\x00LANG\x01en_US.utf8\x00TERM\x01xterm\x00COLORTERM\x01";
        let env = Environ::decode(payload).unwrap();
        assert_eq!(env.kind, EnvironKind::Is);
        assert_eq!(env.vars.len(), 3);
        assert_eq!(env.vars[0], EnvVar::var("LANG", "en_US.utf8"));
        assert_eq!(env.vars[2], EnvVar::var("COLORTERM", ""));
    }

    #[test]
    fn decodes_send_all() {
        // telnetlib3-server ends its list with an empty VAR and an empty USERVAR: "all".
        let env = Environ::decode(b"\x01\x00USER\x00\x03").unwrap();
        assert_eq!(env.kind, EnvironKind::Send);
        let names: Vec<_> = env.vars.iter().map(|v| (v.kind, v.name.as_str())).collect();
        assert_eq!(
            names,
            [
                (VarKind::Var, "USER"),
                (VarKind::Var, ""),
                (VarKind::UserVar, "")
            ]
        );
        assert!(env.vars.iter().all(|v| v.value.is_none()));
    }

    #[test]
    fn escapes_round_trip() {
        let env = Environ {
            kind: EnvironKind::Info,
            vars: vec![
                EnvVar::uservar("A\u{1}B", "x\u{0}\u{2}\u{3}y"),
                EnvVar::var("E", ""),
            ],
        };
        let bytes = env.encode();
        assert_eq!(Environ::decode(&bytes), Ok(env));
    }

    #[test]
    fn rejects_garbage() {
        assert!(Environ::decode(&[]).is_err());
        assert!(Environ::decode(&[9]).is_err());
        assert!(Environ::decode(b"\x00junk").is_err());
        assert!(Environ::decode(b"\x00\x01x").is_err());
        assert!(Environ::decode(b"\x00\x00A\x02").is_err());
    }
}
