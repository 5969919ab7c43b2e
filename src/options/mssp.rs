//! MSSP, the MUD Server Status Protocol (option 70).
//!
//! A server that agrees to `DO MSSP` sends its status as name/value pairs:
//! `IAC SB MSSP MSSP_VAR "PLAYERS" MSSP_VAL "3" MSSP_VAR "PORT" MSSP_VAL "4000" MSSP_VAL "4001" IAC SE`.
//! A name may carry several values. Crawlers (mudstats, MUD listings) ask for it. Names and
//! values may not hold the markers (0x01 and 0x02), which would inject variables:
//! [`Mssp::validate`] refuses them, and so does every call that sends a status.

/// `MSSP_VAR`: a variable name follows.
pub const VAR: u8 = 1;
/// `MSSP_VAL`: a value follows.
pub const VAL: u8 = 2;

/// A server's status: names, each with one or more values, in the order sent.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Mssp {
    /// The variables, in order; a name may have several values.
    pub vars: Vec<(String, Vec<String>)>,
}

impl Mssp {
    /// An empty status.
    pub fn new() -> Mssp {
        Mssp::default()
    }

    /// Adds a variable with one value (chainable).
    ///
    /// ```
    /// use ironboa::options::Mssp;
    ///
    /// let status = Mssp::new().with("NAME", "ironboa").with("PLAYERS", "3");
    /// assert_eq!(status.encode(), b"\x01NAME\x02ironboa\x01PLAYERS\x023");
    /// assert_eq!(Mssp::decode(&status.encode()), Ok(status.clone()));
    /// assert_eq!(status.get("PLAYERS"), Some("3"));
    /// ```
    pub fn with(mut self, name: &str, value: &str) -> Mssp {
        self.vars.push((name.to_owned(), vec![value.to_owned()]));
        self
    }

    /// Adds a variable with several values (chainable), e.g. several `PORT`s.
    pub fn with_values(mut self, name: &str, values: &[&str]) -> Mssp {
        let values = values.iter().map(|v| v.to_string()).collect();
        self.vars.push((name.to_owned(), values));
        self
    }

    /// The first value of `name` (matched without regard to case).
    pub fn get(&self, name: &str) -> Option<&str> {
        self.values(name).first().map(String::as_str)
    }

    /// All the values of `name` (matched without regard to case); empty when it is absent.
    pub fn values(&self, name: &str) -> &[String] {
        self.vars
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map_or(&[], |(_, values)| values.as_slice())
    }

    /// About how many bytes the status holds in memory (for the bounds of event queues).
    pub(crate) fn memory_size(&self) -> usize {
        let string = std::mem::size_of::<String>();
        self.vars
            .iter()
            .map(|(name, values)| {
                2 * string + name.len() + values.iter().map(|v| string + v.len()).sum::<usize>()
            })
            .sum()
    }

    /// Decodes the payload after the option byte. Text is UTF-8 (invalid bytes become U+FFFD).
    pub fn decode(payload: &[u8]) -> Result<Mssp, &'static str> {
        let mut vars: Vec<(String, Vec<String>)> = Vec::new();
        if payload.first().is_some_and(|&b| b != VAR) {
            return Err("MSSP payload does not start with MSSP_VAR");
        }
        let mut rest = payload;
        while let Some((&marker, tail)) = rest.split_first() {
            let end = tail
                .iter()
                .position(|&b| b == VAR || b == VAL)
                .unwrap_or(tail.len());
            let text = String::from_utf8_lossy(&tail[..end]).into_owned();
            match marker {
                VAR => vars.push((text, Vec::new())),
                // The first byte is VAR, so a variable is open.
                _ => {
                    if let Some((_, values)) = vars.last_mut() {
                        values.push(text);
                    }
                }
            }
            rest = &tail[end..];
        }
        Ok(Mssp { vars })
    }

    /// Checks that no name or value holds an MSSP marker byte (`MSSP_VAR` 0x01, `MSSP_VAL`
    /// 0x02), which would make a crawler read other variables than those sent. Fails with
    /// [`Error::InvalidArgument`](crate::Error::InvalidArgument).
    ///
    /// ```
    /// use ironboa::options::Mssp;
    ///
    /// assert!(Mssp::new().with("NAME", "Mini").validate().is_ok());
    /// let forged = Mssp::new().with("NAME", "My\x01PLAYERS\x029999");
    /// assert!(matches!(forged.validate(), Err(ironboa::Error::InvalidArgument(_))));
    /// ```
    pub fn validate(&self) -> crate::Result<()> {
        let texts = self.vars.iter().flat_map(|(name, values)| {
            std::iter::once(("name", name)).chain(values.iter().map(|value| ("value", value)))
        });
        for (what, text) in texts {
            if let Some(marker) = text.bytes().find(|&b| b == VAR || b == VAL) {
                return Err(crate::Error::InvalidArgument(format!(
                    "MSSP {what} {text:?} holds byte {marker:#04x}, an MSSP marker"
                )));
            }
        }
        Ok(())
    }

    /// The payload after the option byte. Does not check its input: a marker byte in a name
    /// or value goes out as it is (see [`validate`](Self::validate), which every sending
    /// call applies).
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::new();
        for (name, values) in &self.vars {
            out.push(VAR);
            out.extend_from_slice(name.as_bytes());
            for value in values {
                out.push(VAL);
                out.extend_from_slice(value.as_bytes());
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn several_values_per_name() {
        let status = Mssp::new()
            .with("NAME", "Mini")
            .with_values("PORT", &["4000", "4001"]);
        let wire = status.encode();
        assert_eq!(wire, b"\x01NAME\x02Mini\x01PORT\x024000\x024001");
        let decoded = Mssp::decode(&wire).unwrap();
        assert_eq!(decoded.values("port"), ["4000", "4001"]);
        assert_eq!(decoded.get("name"), Some("Mini"));
        assert_eq!(decoded.get("UPTIME"), None);
        assert!(Mssp::decode(b"\x02value").is_err());
        assert_eq!(Mssp::decode(b""), Ok(Mssp::new()));
        // A name without a value is kept with none.
        assert_eq!(Mssp::decode(b"\x01EMPTY").unwrap().values("EMPTY").len(), 0);
    }
}
