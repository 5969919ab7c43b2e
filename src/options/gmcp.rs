//! GMCP, the Generic MUD Communication Protocol (option 201).
//!
//! A message is `Package.SubPackage.Message`, then optionally one space and a JSON body:
//! `IAC SB GMCP Char.Vitals {"hp":10} IAC SE`. The codec keeps the body as raw bytes, so it
//! depends on no JSON library; with the `mud` feature `Gmcp::json` and `Gmcp::from_json`
//! convert it to and from a `serde_json::Value`.

/// One GMCP message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Gmcp {
    /// The package and message name, e.g. `"Core.Hello"` or `"Room.Info"`.
    pub package: String,
    /// The body, raw (normally JSON text); empty for a message without one.
    pub data: Vec<u8>,
}

impl Gmcp {
    /// A message with a raw body (empty for none).
    ///
    /// ```
    /// use ironboa::options::Gmcp;
    ///
    /// let message = Gmcp::new("Char.Vitals", br#"{"hp":10}"#);
    /// assert_eq!(message.encode(), br#"Char.Vitals {"hp":10}"#);
    /// assert_eq!(Gmcp::decode(&message.encode()), Ok(message));
    /// ```
    pub fn new(package: &str, data: &[u8]) -> Gmcp {
        Gmcp {
            package: package.to_owned(),
            data: data.to_vec(),
        }
    }

    /// Decodes the payload after the option byte: everything up to the first space is the
    /// package name (invalid UTF-8 becomes U+FFFD), the rest is the body.
    pub fn decode(payload: &[u8]) -> Result<Gmcp, &'static str> {
        let (name, data) = match memchr::memchr(b' ', payload) {
            Some(at) => (&payload[..at], &payload[at + 1..]),
            None => (payload, &[][..]),
        };
        if name.is_empty() {
            return Err("GMCP message without a package name");
        }
        Ok(Gmcp {
            package: String::from_utf8_lossy(name).into_owned(),
            data: data.to_vec(),
        })
    }

    /// Checks that the message frames as it says: the package name is not empty and holds no
    /// space (the first space ends it, so `"Comm Channel"` would be read as package `Comm`).
    /// Fails with [`Error::InvalidArgument`](crate::Error::InvalidArgument). The body may
    /// hold anything.
    ///
    /// ```
    /// use ironboa::options::Gmcp;
    ///
    /// assert!(Gmcp::new("Comm.Channel", b"{}").validate().is_ok());
    /// let bad = Gmcp::new("Comm Channel", b"{}");
    /// assert!(matches!(bad.validate(), Err(ironboa::Error::InvalidArgument(_))));
    /// ```
    pub fn validate(&self) -> crate::Result<()> {
        if self.package.is_empty() || self.package.contains(' ') {
            return Err(crate::Error::InvalidArgument(format!(
                "GMCP package name {:?} is empty or holds a space",
                self.package
            )));
        }
        Ok(())
    }

    /// The payload after the option byte: the package, and a space and the body if there is
    /// one. Does not check its input (see [`validate`](Self::validate), which every sending
    /// call applies).
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.package.len() + 1 + self.data.len());
        out.extend_from_slice(self.package.as_bytes());
        if !self.data.is_empty() {
            out.push(b' ');
            out.extend_from_slice(&self.data);
        }
        out
    }

    /// `Core.Hello {"client":NAME,"version":VERSION}`, the first message a client sends.
    ///
    /// ```
    /// use ironboa::options::Gmcp;
    ///
    /// assert_eq!(
    ///     Gmcp::core_hello("ironboa", "0.1.0").encode(),
    ///     br#"Core.Hello {"client":"ironboa","version":"0.1.0"}"#
    /// );
    /// ```
    pub fn core_hello(client: &str, version: &str) -> Gmcp {
        let body = format!(
            "{{\"client\":{},\"version\":{}}}",
            json_string(client),
            json_string(version)
        );
        Gmcp::new("Core.Hello", body.as_bytes())
    }

    /// `Core.Supports.Set ["char 1","room 1"]`: the packages a client wants, each with its
    /// version (`"Char 1"`); lowercased, as telnetlib3's client sends them.
    ///
    /// ```
    /// use ironboa::options::Gmcp;
    ///
    /// assert_eq!(
    ///     Gmcp::supports_set(&["Char 1", "Room 1"]).encode(),
    ///     br#"Core.Supports.Set ["char 1","room 1"]"#
    /// );
    /// ```
    pub fn supports_set<S: AsRef<str>>(modules: &[S]) -> Gmcp {
        let items: Vec<String> = modules
            .iter()
            .map(|m| json_string(&m.as_ref().to_lowercase()))
            .collect();
        Gmcp::new(
            "Core.Supports.Set",
            format!("[{}]", items.join(",")).as_bytes(),
        )
    }

    /// The body as JSON (`Ok(None)` when there is none); an `Err` when it is not valid JSON.
    ///
    /// ```
    /// use ironboa::options::Gmcp;
    ///
    /// let message = Gmcp::decode(br#"Room.Info {"num":1,"name":"Hall"}"#).unwrap();
    /// assert_eq!(message.json().unwrap().unwrap()["name"], "Hall");
    /// ```
    #[cfg(feature = "mud")]
    pub fn json(&self) -> Result<Option<serde_json::Value>, serde_json::Error> {
        if self.data.iter().all(u8::is_ascii_whitespace) {
            return Ok(None);
        }
        serde_json::from_slice(&self.data).map(Some)
    }

    /// A message with `value` as its JSON body (compact, as telnetlib3 writes it).
    #[cfg(feature = "mud")]
    pub fn from_json(package: &str, value: &serde_json::Value) -> Gmcp {
        Gmcp {
            package: package.to_owned(),
            // Serialising a Value cannot fail (its map keys are strings).
            data: serde_json::to_vec(value).unwrap_or_default(),
        }
    }
}

/// `text` as a JSON string literal (RFC 8259 escapes), for the messages built without a
/// JSON library.
fn json_string(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if u32::from(c) < 0x20 => out.push_str(&format!("\\u{:04x}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn package_alone_and_with_a_body() {
        assert_eq!(Gmcp::decode(b"Core.Ping"), Ok(Gmcp::new("Core.Ping", b"")));
        assert_eq!(Gmcp::new("Core.Ping", b"").encode(), b"Core.Ping");
        let message = Gmcp::decode(b"Core.Supports.Set [\"Char 1\", \"Room 1\"]").unwrap();
        assert_eq!(message.package, "Core.Supports.Set");
        assert_eq!(message.data, b"[\"Char 1\", \"Room 1\"]");
        assert!(Gmcp::decode(b"").is_err());
        assert!(Gmcp::decode(b" {}").is_err());
    }

    #[cfg(feature = "mud")]
    #[test]
    fn json_bodies() {
        let value = serde_json::json!({"client": "ironboa", "version": "0.1.0"});
        let message = Gmcp::from_json("Core.Hello", &value);
        assert_eq!(
            message.encode(),
            br#"Core.Hello {"client":"ironboa","version":"0.1.0"}"#
        );
        assert_eq!(message.json().unwrap(), Some(value));
        assert_eq!(Gmcp::new("Core.Ping", b"").json().unwrap(), None);
        assert!(Gmcp::new("Bad", b"{not json").json().is_err());
        // The hand-built messages are valid JSON, quotes and control characters included.
        let hello = Gmcp::core_hello("a \"b\"\\\n\u{1}", "1");
        assert_eq!(hello.json().unwrap().unwrap()["client"], "a \"b\"\\\n\u{1}");
        let set = Gmcp::supports_set(&["Char 1", "IRE.Rift 1"]);
        assert_eq!(
            set.json().unwrap(),
            Some(serde_json::json!(["char 1", "ire.rift 1"]))
        );
    }
}
