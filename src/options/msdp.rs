//! MSDP, the MUD Server Data Protocol (option 69).
//!
//! Variables with values that are strings, arrays or tables, nested:
//! `IAC SB MSDP VAR "ROOM" VAL TABLE_OPEN VAR "NAME" VAL "Hall" TABLE_CLOSE IAC SE`.
//! The client asks with commands, which are variables too (`VAR "REPORT" VAL "HEALTH"`);
//! [`MsdpCommand`] reads them. Values are bytes (they may hold anything but the six markers,
//! IAC included: the engine doubles it on the wire); names are text. A name or string value
//! holding a marker byte (0x01 to 0x06) would inject variables or break the message:
//! [`Msdp::validate`] refuses it, and so does every call that sends one.

use std::borrow::Cow;

/// `MSDP_VAR`: a variable name follows.
pub const VAR: u8 = 1;
/// `MSDP_VAL`: a value follows.
pub const VAL: u8 = 2;
/// `MSDP_TABLE_OPEN`.
pub const TABLE_OPEN: u8 = 3;
/// `MSDP_TABLE_CLOSE`.
pub const TABLE_CLOSE: u8 = 4;
/// `MSDP_ARRAY_OPEN`.
pub const ARRAY_OPEN: u8 = 5;
/// `MSDP_ARRAY_CLOSE`.
pub const ARRAY_CLOSE: u8 = 6;

/// How deep arrays and tables may nest in a received message; deeper is a malformed
/// subnegotiation (bounds the decoder's stack on hostile input).
pub const MAX_DEPTH: usize = 16;

/// One MSDP value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MsdpValue {
    /// A string: any bytes but the six MSDP markers.
    String(Vec<u8>),
    /// An array of values.
    Array(Vec<MsdpValue>),
    /// A table of named values, in order.
    Table(Vec<(String, MsdpValue)>),
}

impl MsdpValue {
    /// The string value as text (invalid UTF-8 becomes U+FFFD); `None` for an array or table.
    pub fn as_str(&self) -> Option<Cow<'_, str>> {
        match self {
            MsdpValue::String(bytes) => Some(String::from_utf8_lossy(bytes)),
            _ => None,
        }
    }

    /// The value of `name` in a table (`None` for anything else).
    pub fn get(&self, name: &str) -> Option<&MsdpValue> {
        match self {
            MsdpValue::Table(entries) => entries.iter().find(|(n, _)| n == name).map(|(_, v)| v),
            _ => None,
        }
    }

    /// A table from name/value pairs.
    pub fn table<N: Into<String>, V: Into<MsdpValue>>(
        entries: impl IntoIterator<Item = (N, V)>,
    ) -> Self {
        MsdpValue::Table(
            entries
                .into_iter()
                .map(|(name, value)| (name.into(), value.into()))
                .collect(),
        )
    }

    /// About how many bytes the value holds in memory (for the bounds of event queues).
    pub(crate) fn memory_size(&self) -> usize {
        std::mem::size_of::<MsdpValue>()
            + match self {
                MsdpValue::String(bytes) => bytes.len(),
                MsdpValue::Array(items) => items.iter().map(MsdpValue::memory_size).sum(),
                MsdpValue::Table(entries) => entries
                    .iter()
                    .map(|(name, value)| {
                        std::mem::size_of::<String>() + name.len() + value.memory_size()
                    })
                    .sum(),
            }
    }

    /// Refuses a string (nested ones included) or table name that holds a marker byte.
    fn validate(&self) -> crate::Result<()> {
        match self {
            MsdpValue::String(bytes) => check_plain("value", bytes),
            MsdpValue::Array(items) => items.iter().try_for_each(MsdpValue::validate),
            MsdpValue::Table(entries) => validate_vars(entries),
        }
    }

    fn encode_into(&self, out: &mut Vec<u8>) {
        match self {
            MsdpValue::String(bytes) => out.extend_from_slice(bytes),
            MsdpValue::Array(items) => {
                out.push(ARRAY_OPEN);
                for item in items {
                    out.push(VAL);
                    item.encode_into(out);
                }
                out.push(ARRAY_CLOSE);
            }
            MsdpValue::Table(entries) => {
                out.push(TABLE_OPEN);
                encode_vars(entries, out);
                out.push(TABLE_CLOSE);
            }
        }
    }
}

impl From<&str> for MsdpValue {
    fn from(text: &str) -> Self {
        MsdpValue::String(text.as_bytes().to_vec())
    }
}

impl From<String> for MsdpValue {
    fn from(text: String) -> Self {
        MsdpValue::String(text.into_bytes())
    }
}

impl From<i64> for MsdpValue {
    fn from(number: i64) -> Self {
        MsdpValue::String(number.to_string().into_bytes())
    }
}

impl From<Vec<MsdpValue>> for MsdpValue {
    fn from(items: Vec<MsdpValue>) -> Self {
        MsdpValue::Array(items)
    }
}

/// One MSDP message: variables and their values, in order.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Msdp {
    /// The variables, in order.
    pub vars: Vec<(String, MsdpValue)>,
}

impl Msdp {
    /// An empty message.
    pub fn new() -> Msdp {
        Msdp::default()
    }

    /// Adds a variable (chainable).
    ///
    /// ```
    /// use ironboa::options::{Msdp, MsdpValue};
    ///
    /// let message = Msdp::new()
    ///     .with("HEALTH", 42)
    ///     .with("ROOM", MsdpValue::table([("NAME", "Hall"), ("VNUM", "1")]));
    /// let wire = message.encode();
    /// assert_eq!(&wire[..10], b"\x01HEALTH\x0242");
    /// assert_eq!(Msdp::decode(&wire), Ok(message));
    /// ```
    pub fn with(mut self, name: &str, value: impl Into<MsdpValue>) -> Msdp {
        self.vars.push((name.to_owned(), value.into()));
        self
    }

    /// The value of `name`, if the message has it.
    pub fn get(&self, name: &str) -> Option<&MsdpValue> {
        self.vars.iter().find(|(n, _)| n == name).map(|(_, v)| v)
    }

    /// About how many bytes the message holds in memory (for the bounds of event queues).
    pub(crate) fn memory_size(&self) -> usize {
        self.vars
            .iter()
            .map(|(name, value)| std::mem::size_of::<String>() + name.len() + value.memory_size())
            .sum()
    }

    /// A client's command: `VAR command VAL arg VAL arg ...` (`"REPORT"`, `["HEALTH", "ROOM"]`).
    pub fn command(command: &str, args: &[&str]) -> Msdp {
        let value = match args {
            [one] => MsdpValue::from(*one),
            many => MsdpValue::Array(many.iter().map(|a| MsdpValue::from(*a)).collect()),
        };
        Msdp::new().with(command, value)
    }

    /// Decodes the payload after the option byte. A variable followed by several values
    /// (`VAR "REPORT" VAL "A" VAL "B"`, as clients send commands) gets them as an array.
    pub fn decode(payload: &[u8]) -> Result<Msdp, &'static str> {
        let mut decoder = Decoder {
            input: payload,
            at: 0,
        };
        let vars = decoder.vars(None, 0)?;
        Ok(Msdp { vars })
    }

    /// Checks that the message frames as it says: no name or string value (at any depth)
    /// holds an MSDP marker byte (0x01 to 0x06), which would make the peer read other
    /// variables than those sent, or fail to read the message at all. Fails with
    /// [`Error::InvalidArgument`](crate::Error::InvalidArgument). IAC (255) is fine: it is
    /// doubled on the wire.
    ///
    /// ```
    /// use ironboa::options::Msdp;
    ///
    /// assert!(Msdp::new().with("TITLE", "the Brave").validate().is_ok());
    /// let forged = Msdp::new().with("TITLE", "the Brave\x01HEALTH\x029999");
    /// assert!(matches!(forged.validate(), Err(ironboa::Error::InvalidArgument(_))));
    /// ```
    pub fn validate(&self) -> crate::Result<()> {
        validate_vars(&self.vars)
    }

    /// The payload after the option byte. Does not check its input: a marker byte in a name
    /// or value goes out as it is (see [`validate`](Self::validate), which every sending
    /// call applies).
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::new();
        encode_vars(&self.vars, &mut out);
        out
    }
}

fn validate_vars(vars: &[(String, MsdpValue)]) -> crate::Result<()> {
    for (name, value) in vars {
        check_plain("variable name", name.as_bytes())?;
        value.validate()?;
    }
    Ok(())
}

/// Refuses `bytes` (a name or string value) if it holds an MSDP marker.
fn check_plain(what: &str, bytes: &[u8]) -> crate::Result<()> {
    match bytes.iter().find(|b| (VAR..=ARRAY_CLOSE).contains(b)) {
        None => Ok(()),
        Some(marker) => Err(crate::Error::InvalidArgument(format!(
            "MSDP {what} {:?} holds byte {marker:#04x}, an MSDP marker",
            String::from_utf8_lossy(bytes)
        ))),
    }
}

fn encode_vars(vars: &[(String, MsdpValue)], out: &mut Vec<u8>) {
    for (name, value) in vars {
        out.push(VAR);
        out.extend_from_slice(name.as_bytes());
        out.push(VAL);
        value.encode_into(out);
    }
}

struct Decoder<'a> {
    input: &'a [u8],
    at: usize,
}

impl Decoder<'_> {
    fn peek(&self) -> Option<u8> {
        self.input.get(self.at).copied()
    }

    /// Bytes up to the next marker.
    fn plain(&mut self) -> &[u8] {
        let start = self.at;
        while self
            .peek()
            .is_some_and(|b| !(VAR..=ARRAY_CLOSE).contains(&b))
        {
            self.at += 1;
        }
        &self.input[start..self.at]
    }

    /// `VAR name VAL value...` pairs until `close` (or the end, at the top level).
    fn vars(
        &mut self,
        close: Option<u8>,
        depth: usize,
    ) -> Result<Vec<(String, MsdpValue)>, &'static str> {
        let mut vars = Vec::new();
        loop {
            match self.peek() {
                None if close.is_none() => return Ok(vars),
                None => return Err("MSDP table not closed"),
                Some(b) if Some(b) == close => {
                    self.at += 1;
                    return Ok(vars);
                }
                Some(VAR) => {
                    self.at += 1;
                    let name = String::from_utf8_lossy(self.plain()).into_owned();
                    let mut values = Vec::new();
                    while self.peek() == Some(VAL) {
                        self.at += 1;
                        values.push(self.value(depth)?);
                    }
                    let value = match values.len() {
                        0 => MsdpValue::String(Vec::new()),
                        1 => values.remove(0),
                        _ => MsdpValue::Array(values),
                    };
                    vars.push((name, value));
                }
                Some(_) => return Err("MSDP data outside a variable"),
            }
        }
    }

    fn value(&mut self, depth: usize) -> Result<MsdpValue, &'static str> {
        if depth >= MAX_DEPTH {
            return Err("MSDP nested too deep");
        }
        match self.peek() {
            Some(TABLE_OPEN) => {
                self.at += 1;
                Ok(MsdpValue::Table(self.vars(Some(TABLE_CLOSE), depth + 1)?))
            }
            Some(ARRAY_OPEN) => {
                self.at += 1;
                let mut items = Vec::new();
                loop {
                    match self.peek() {
                        Some(ARRAY_CLOSE) => {
                            self.at += 1;
                            return Ok(MsdpValue::Array(items));
                        }
                        Some(VAL) => {
                            self.at += 1;
                            items.push(self.value(depth + 1)?);
                        }
                        None => return Err("MSDP array not closed"),
                        Some(_) => return Err("MSDP array item without MSDP_VAL"),
                    }
                }
            }
            _ => Ok(MsdpValue::String(self.plain().to_vec())),
        }
    }
}

/// A client's request to a server, read from an MSDP message (the protocol's commands).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MsdpCommand {
    /// `LIST`: asks for a list (`"COMMANDS"`, `"LISTS"`, `"REPORTABLE_VARIABLES"`,
    /// `"REPORTED_VARIABLES"`, `"CONFIGURABLE_VARIABLES"`, `"SENDABLE_VARIABLES"`).
    List(Vec<String>),
    /// `REPORT`: send these variables now and whenever they change.
    Report(Vec<String>),
    /// `UNREPORT`: stop reporting these.
    Unreport(Vec<String>),
    /// `SEND`: send these variables once.
    Send(Vec<String>),
    /// `RESET`: reset a list (`"REPORTABLE_VARIABLES"`, `"REPORTED_VARIABLES"`).
    Reset(Vec<String>),
    /// Any other variable: the client sets a configurable variable.
    Set(String, MsdpValue),
}

impl MsdpCommand {
    /// The commands a message carries, in order.
    ///
    /// ```
    /// use ironboa::options::{Msdp, MsdpCommand};
    ///
    /// let message = Msdp::decode(b"\x01REPORT\x02HEALTH\x02ROOM").unwrap();
    /// assert_eq!(
    ///     MsdpCommand::from_message(&message),
    ///     [MsdpCommand::Report(vec!["HEALTH".into(), "ROOM".into()])]
    /// );
    /// ```
    pub fn from_message(message: &Msdp) -> Vec<MsdpCommand> {
        message
            .vars
            .iter()
            .map(|(name, value)| {
                let args = || -> Vec<String> {
                    match value {
                        MsdpValue::String(_) => {
                            value.as_str().map(|s| s.into_owned()).into_iter().collect()
                        }
                        MsdpValue::Array(items) => items
                            .iter()
                            .filter_map(|item| item.as_str().map(|s| s.into_owned()))
                            .collect(),
                        MsdpValue::Table(_) => Vec::new(),
                    }
                };
                match name.as_str() {
                    "LIST" => MsdpCommand::List(args()),
                    "REPORT" => MsdpCommand::Report(args()),
                    "UNREPORT" => MsdpCommand::Unreport(args()),
                    "SEND" => MsdpCommand::Send(args()),
                    "RESET" => MsdpCommand::Reset(args()),
                    _ => MsdpCommand::Set(name.clone(), value.clone()),
                }
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nested_tables_and_arrays() {
        let message = Msdp::new().with(
            "ROOM",
            MsdpValue::Table(vec![
                ("NAME".into(), "Hall".into()),
                ("EXITS".into(), MsdpValue::table([("n", "2"), ("e", "3")])),
                (
                    "TAGS".into(),
                    vec![MsdpValue::from("lit"), MsdpValue::Array(vec![])].into(),
                ),
            ]),
        );
        let wire = message.encode();
        assert_eq!(
            wire,
            b"\x01ROOM\x02\x03\x01NAME\x02Hall\x01EXITS\x02\x03\x01n\x022\x01e\x023\x04\
              \x01TAGS\x02\x05\x02lit\x02\x05\x06\x06\x04"
        );
        assert_eq!(Msdp::decode(&wire), Ok(message.clone()));
        let room = message.get("ROOM").unwrap();
        assert_eq!(room.get("NAME").unwrap().as_str().unwrap(), "Hall");
    }

    #[test]
    fn malformed_input_is_an_error_not_a_panic() {
        assert!(Msdp::decode(b"\x02value").is_err());
        assert!(Msdp::decode(b"\x01A\x02\x03\x01B\x02c").is_err());
        assert!(Msdp::decode(b"\x01A\x02\x05\x02x").is_err());
        assert!(Msdp::decode(b"\x01A\x02\x05x\x06").is_err());
        let deep: Vec<u8> = b"\x01A\x02"
            .iter()
            .copied()
            .chain(std::iter::repeat_n([ARRAY_OPEN, VAL], 10_000).flatten())
            .collect();
        assert_eq!(Msdp::decode(&deep), Err("MSDP nested too deep"));
        assert_eq!(Msdp::decode(b""), Ok(Msdp::new()));
        // A variable without a value has an empty string.
        assert_eq!(Msdp::decode(b"\x01A"), Ok(Msdp::new().with("A", "")));
    }

    #[test]
    fn commands() {
        let message =
            Msdp::decode(b"\x01LIST\x02COMMANDS\x01SEND\x02ROOM\x01CLIENT_NAME\x02tt").unwrap();
        assert_eq!(
            MsdpCommand::from_message(&message),
            [
                MsdpCommand::List(vec!["COMMANDS".into()]),
                MsdpCommand::Send(vec!["ROOM".into()]),
                MsdpCommand::Set("CLIENT_NAME".into(), "tt".into()),
            ]
        );
        assert_eq!(
            Msdp::command("REPORT", &["HEALTH", "ROOM"]).encode(),
            b"\x01REPORT\x02\x05\x02HEALTH\x02ROOM\x06"
        );
        let decoded = Msdp::decode(&Msdp::command("REPORT", &["HEALTH", "ROOM"]).encode()).unwrap();
        assert_eq!(
            MsdpCommand::from_message(&decoded),
            [MsdpCommand::Report(vec!["HEALTH".into(), "ROOM".into()])]
        );
    }
}
