//! Received subnegotiations: decoding, remembering what they say, and the automatic replies.

use super::logtext::log_text;
use super::peer::SLC_TRIPLE_BYTES;
use super::{Engine, Event, Role, TelnetOption};
use crate::error::ProtocolError;
use crate::options::{
    Charset, EnvVar, Environ, EnvironKind, Linemode, Status, Subnegotiation, TerminalSpeed,
    TerminalType, WindowSize, XDisplay, linemode,
};
use crate::proto::Verb;

impl Engine {
    /// A complete `IAC SB <option> payload IAC SE` arrived.
    pub(super) fn receive_subnegotiation(&mut self, option: TelnetOption, payload: &[u8]) {
        let decoded = match Subnegotiation::decode(option, payload) {
            Ok(decoded) => decoded,
            Err(reason) => {
                let error = ProtocolError::MalformedSubnegotiation {
                    option: option.to_string(),
                    reason,
                };
                log::debug!("{error}");
                self.push_event(Event::ProtocolError(error));
                if self.manual_negotiation {
                    // The application negotiates itself: it gets the raw payload anyway.
                    self.push_event(Event::Subnegotiation(Subnegotiation::Other {
                        option,
                        data: payload.to_vec(),
                    }));
                }
                return;
            }
        };
        log::debug!("recv SB {option} ({} bytes)", payload.len());
        if !self.manual_negotiation {
            self.answer(&decoded);
            debug_assert_eq!(self.peer_bytes, self.peer.remembered_bytes());
        }
        self.push_event(Event::Subnegotiation(decoded));
    }

    /// Remembers what a subnegotiation says and sends the reply it calls for.
    fn answer(&mut self, message: &Subnegotiation) {
        match message {
            Subnegotiation::WindowSize(size) => self.peer.window_size = Some(*size),
            Subnegotiation::TerminalType(TerminalType::Send) => {
                if self.local_enabled(TelnetOption::TTYPE) {
                    let types = &self.config.identity.terminal_types;
                    let index = self.ttype_index.min(types.len().saturating_sub(1));
                    let name = types.get(index).cloned().unwrap_or_default();
                    self.ttype_index = index + 1;
                    self.queue_subnegotiation(&Subnegotiation::TerminalType(TerminalType::Is(
                        name,
                    )));
                }
            }
            Subnegotiation::TerminalType(TerminalType::Is(name)) => {
                self.receive_terminal_type(name)
            }
            Subnegotiation::Environ(environ) | Subnegotiation::OldEnviron(environ) => {
                match environ.kind {
                    EnvironKind::Send => {
                        if self.local_enabled(message.option()) {
                            let reply = Environ {
                                kind: EnvironKind::Is,
                                vars: self.requested_environment(&environ.vars),
                            };
                            let reply = match message {
                                Subnegotiation::OldEnviron(_) => Subnegotiation::OldEnviron(reply),
                                _ => Subnegotiation::Environ(reply),
                            };
                            self.queue_subnegotiation(&reply);
                        }
                    }
                    EnvironKind::Is | EnvironKind::Info => {
                        if environ.kind == EnvironKind::Is {
                            self.awaiting_reply.remove(message.option());
                        }
                        for var in &environ.vars {
                            self.remember_variable(var);
                        }
                    }
                }
            }
            Subnegotiation::Charset(charset) => self.receive_charset(charset),
            Subnegotiation::TerminalSpeed(TerminalSpeed::Send) => {
                if let (true, Some((transmit, receive))) = (
                    self.local_enabled(TelnetOption::TSPEED),
                    self.config.identity.terminal_speed,
                ) {
                    let reply = TerminalSpeed::Is { transmit, receive };
                    self.queue_subnegotiation(&Subnegotiation::TerminalSpeed(reply));
                }
            }
            Subnegotiation::TerminalSpeed(TerminalSpeed::Is { transmit, receive }) => {
                self.awaiting_reply.remove(TelnetOption::TSPEED);
                self.peer.terminal_speed = Some((*transmit, *receive));
            }
            Subnegotiation::XDisplay(XDisplay::Send) => {
                if let (true, Some(display)) = (
                    self.local_enabled(TelnetOption::XDISPLOC),
                    self.config.identity.x_display.clone(),
                ) {
                    self.queue_subnegotiation(&Subnegotiation::XDisplay(XDisplay::Is(display)));
                }
            }
            Subnegotiation::XDisplay(XDisplay::Is(display)) => {
                self.awaiting_reply.remove(TelnetOption::XDISPLOC);
                log::debug!("recv XDISPLOC IS {}", log_text(display));
                let old = self.peer.x_display.as_ref().map_or(0, String::len);
                if self.fit_peer_data("X display", old, display.len(), display) {
                    self.peer.x_display = Some(display.clone());
                }
            }
            Subnegotiation::Location(location) => {
                log::debug!("recv SNDLOC {}", log_text(location));
                let old = self.peer.location.as_ref().map_or(0, String::len);
                if self.fit_peer_data("location", old, location.len(), location) {
                    self.peer.location = Some(location.clone());
                }
            }
            Subnegotiation::FlowControl(flow) => self.peer.flow_control = Some(*flow),
            Subnegotiation::Linemode(message) => self.receive_linemode(message),
            Subnegotiation::Status(Status::Send) => {
                if self.local_enabled(TelnetOption::STATUS) {
                    let reply = Status::Is(self.status_list());
                    self.queue_subnegotiation(&Subnegotiation::Status(reply));
                }
            }
            // MUD data is the application's; logged here so that a client's --loglevel debug
            // shows what arrived (escaped and bounded).
            Subnegotiation::Gmcp(gmcp) => log::debug!(
                "recv GMCP {} {}",
                log_text(&gmcp.package),
                log_text(&gmcp.data)
            ),
            Subnegotiation::Msdp(msdp) => {
                for (name, value) in &msdp.vars {
                    log::debug!("recv MSDP {} = {}", log_text(name), msdp_text(value));
                }
            }
            Subnegotiation::Mssp(mssp) => {
                for (name, values) in &mssp.vars {
                    let values: Vec<String> =
                        values.iter().map(|v| log_text(v).to_string()).collect();
                    log::debug!("recv MSSP {} = {}", log_text(name), values.join(", "));
                }
            }
            Subnegotiation::Status(Status::Is(_)) | Subnegotiation::Other { .. } => {}
        }
    }

    fn receive_terminal_type(&mut self, name: &str) {
        let limits = self.config.limits;
        log::debug!("recv TTYPE IS {}", log_text(name));
        let first = self.peer.terminal_types.first().cloned();
        let previous = self.peer.terminal_types.last().cloned();
        let stored = self.peer.terminal_types.len() < limits.max_terminal_types
            && self.fit_peer_data("terminal type", 0, name.len(), name);
        if stored {
            self.peer.terminal_types.push(name.to_owned());
        }
        let count = self.peer.terminal_types.len();
        let awaited = self.awaiting_reply.contains(TelnetOption::TTYPE);
        self.awaiting_reply.remove(TelnetOption::TTYPE);
        // Keep the client cycling while it reports something new (telnetlib3's rule): stop when
        // it repeats itself, loops back to the first, sends an empty or MTTS type, or the list
        // (or the peer data budget) is full.
        let done = !awaited
            || !stored
            || !self.config.ttype_cycle
            || self.config.role != Role::Server
            || name.is_empty()
            || previous.as_deref() == Some(name)
            || (count > 1 && first.as_deref() == Some(name))
            || name.to_ascii_uppercase().starts_with("MTTS ")
            || count >= limits.max_terminal_types;
        if !done {
            self.request(
                TelnetOption::TTYPE,
                Subnegotiation::TerminalType(TerminalType::Send),
            );
        }
        // The terminal type may be what a deferred NEW_ENVIRON SEND waits for.
        self.send_deferred_environ_request();
    }

    /// Remembers one variable of a NEW_ENVIRON IS or INFO, within the count limit and the
    /// peer data budget; a variable without a value is forgotten.
    fn remember_variable(&mut self, var: &EnvVar) {
        let limits = self.config.limits;
        if var.name.is_empty() {
            return;
        }
        let old = self
            .peer
            .environment
            .get(&var.name)
            .map(|value| var.name.len() + value.len());
        let Some(value) = &var.value else {
            if let Some(old) = old {
                self.peer.environment.remove(&var.name);
                self.peer_bytes -= old;
            }
            return;
        };
        if old.is_none() && self.peer.environment.len() >= limits.max_environment_vars {
            log::debug!(
                "environment limit of {} variables reached: {} not remembered",
                limits.max_environment_vars,
                log_text(&var.name)
            );
            return;
        }
        let new = var.name.len() + value.len();
        if self.fit_peer_data("environment variable", old.unwrap_or(0), new, &var.name) {
            self.peer
                .environment
                .insert(var.name.clone(), value.clone());
        }
    }

    /// Whether a value of `new` bytes, replacing one of `old` bytes, fits in
    /// [`Limits::max_peer_data`](super::Limits::max_peer_data); if it does it is counted, if
    /// not the refusal is logged (with `name`, the peer's text, escaped and bounded).
    fn fit_peer_data(&mut self, what: &str, old: usize, new: usize, name: &str) -> bool {
        let max = self.config.limits.max_peer_data;
        let total = self.peer_bytes - old + new;
        if total > max {
            let space = if name.is_empty() { "" } else { " " };
            log::debug!(
                "peer data budget of {max} bytes reached: {what}{space}{} not remembered \
                 (needs {new} bytes)",
                log_text(name)
            );
            return false;
        }
        self.peer_bytes = total;
        true
    }

    /// The variables a NEW_ENVIRON SEND asks for, from our identity. An empty list, or an empty
    /// name, asks for all variables of that kind (RFC 1572).
    fn requested_environment(&self, requested: &[EnvVar]) -> Vec<EnvVar> {
        let offered = &self.config.identity.environment;
        if requested.is_empty() {
            return offered.clone();
        }
        let wants = |var: &EnvVar| {
            requested
                .iter()
                .any(|r| r.kind == var.kind && (r.name.is_empty() || r.name == var.name))
        };
        offered.iter().filter(|var| wants(var)).cloned().collect()
    }

    /// CHARSET (RFC 2066). The server asks (REQUEST) and the client answers (ACCEPTED or
    /// REJECTED); a server that receives a REQUEST while its own is unanswered rejects it, and a
    /// client answers the server's whatever it sent itself (RFC 2066 section 4).
    fn receive_charset(&mut self, message: &Charset) {
        match message {
            Charset::Request(offered) => {
                let we_asked = self.awaiting_reply.contains(TelnetOption::CHARSET);
                if we_asked && self.config.role == Role::Server {
                    // Both sides sent REQUEST at once: "the server side MUST issue a negative
                    // acknowledgment. The client side MUST respond to the one from the server."
                    log::debug!("recv CHARSET REQUEST crossing ours: rejected (RFC 2066)");
                    self.queue_subnegotiation(&Subnegotiation::Charset(Charset::Rejected));
                    return;
                }
                let choice = offered
                    .iter()
                    .find(|name| {
                        self.config
                            .charsets
                            .iter()
                            .any(|ours| ours.eq_ignore_ascii_case(name))
                    })
                    .or_else(|| {
                        self.config.accept_known_charsets.then(|| {
                            offered
                                .iter()
                                .find(|name| crate::encoding::Encoding::from_name(name).is_some())
                        })?
                    });
                let reply = match choice {
                    Some(name) => {
                        let old = self.peer.charset.as_ref().map_or(0, String::len);
                        if self.fit_peer_data("character set", old, name.len(), name) {
                            self.peer.charset = Some(name.clone());
                        }
                        Charset::Accepted(name.clone())
                    }
                    None => Charset::Rejected,
                };
                self.queue_subnegotiation(&Subnegotiation::Charset(reply));
            }
            Charset::Accepted(name) => {
                let we_asked = self.awaiting_reply.contains(TelnetOption::CHARSET);
                self.awaiting_reply.remove(TelnetOption::CHARSET);
                // RFC 2066: the name is "identical to one of the character sets in the CHARSET
                // REQUEST message" (case is not significant). One we never offered cannot be
                // used: it ends our request as a refusal would.
                let ours = self
                    .config
                    .charsets
                    .iter()
                    .find(|ours| ours.eq_ignore_ascii_case(name))
                    .cloned();
                let name = match ours {
                    Some(ours) => ours,
                    None if we_asked => {
                        log::debug!(
                            "recv CHARSET ACCEPTED {}, which we did not offer: taken as a refusal",
                            log_text(name)
                        );
                        return;
                    }
                    // An answer to a REQUEST the application sent itself.
                    None => name.clone(),
                };
                log::debug!("recv CHARSET ACCEPTED {}", log_text(&name));
                let old = self.peer.charset.as_ref().map_or(0, String::len);
                if self.fit_peer_data("character set", old, name.len(), &name) {
                    self.peer.charset = Some(name);
                }
            }
            Charset::Rejected => {
                // Also what an ACCEPTED naming nothing decodes to (telnetlib3's client refuses
                // that way when its --encoding is not offered).
                log::debug!("recv CHARSET REJECTED");
                self.awaiting_reply.remove(TelnetOption::CHARSET);
            }
            Charset::TranslationTable { command, .. } => {
                if *command == crate::options::charset::TTABLE_IS {
                    let reply = Charset::TranslationTable {
                        command: crate::options::charset::TTABLE_REJECTED,
                        data: Vec::new(),
                    };
                    self.queue_subnegotiation(&Subnegotiation::Charset(reply));
                }
            }
        }
    }

    fn receive_linemode(&mut self, message: &Linemode) {
        match message {
            Linemode::Mode(mask) => {
                self.peer.linemode = Some(*mask);
                // A client acknowledges a mode it did not propose (RFC 1184 2.2).
                if self.config.role == Role::Client && mask & linemode::MODE_ACK == 0 {
                    let ack = Linemode::Mode(mask | linemode::MODE_ACK);
                    self.queue_subnegotiation(&Subnegotiation::Linemode(ack));
                }
            }
            Linemode::ForwardMask { verb: Verb::Do, .. } => {
                // ironboa keeps no forward mask: refuse it.
                let refusal = Linemode::ForwardMask {
                    verb: Verb::Wont,
                    mask: Vec::new(),
                };
                self.queue_subnegotiation(&Subnegotiation::Linemode(refusal));
            }
            Linemode::ForwardMask { .. } => {}
            Linemode::Slc(triples) => {
                // Remember the peer's characters, within the peer data budget.
                let old = self.peer.slc.len() * SLC_TRIPLE_BYTES;
                let new = triples.len() * SLC_TRIPLE_BYTES;
                if self.fit_peer_data("SLC list", old, new, "") {
                    self.peer.slc = triples.clone();
                }
            }
        }
    }

    /// Our side of STATUS IS: WILL for each option we perform, DO for each the peer performs.
    fn status_list(&self) -> Vec<(Verb, TelnetOption)> {
        let mut list = Vec::new();
        for code in 0..=255u8 {
            let option = TelnetOption(code);
            if self.local_enabled(option) {
                list.push((Verb::Will, option));
            }
            if self.remote_enabled(option) {
                list.push((Verb::Do, option));
            }
        }
        list
    }

    /// Client: changes the window size reported with NAWS, and sends it now if NAWS is on.
    pub fn set_window_size(&mut self, size: WindowSize) -> crate::error::Result<()> {
        self.config_mut().identity.window_size = Some(size);
        if self.local_enabled(TelnetOption::NAWS) {
            self.send_subnegotiation(&Subnegotiation::WindowSize(size))?;
        }
        Ok(())
    }

    /// Server: asks the client for its terminal type again (TTYPE SEND), if it agreed to TTYPE.
    /// Returns whether a request was sent.
    pub fn request_terminal_type(&mut self) -> bool {
        if !self.remote_enabled(TelnetOption::TTYPE) {
            return false;
        }
        self.request(
            TelnetOption::TTYPE,
            Subnegotiation::TerminalType(TerminalType::Send),
        );
        true
    }

    /// Sends NEW_ENVIRON INFO for changed variables (client), if NEW_ENVIRON is on.
    pub fn send_environment_update(&mut self, vars: Vec<EnvVar>) -> crate::error::Result<bool> {
        if !self.local_enabled(TelnetOption::NEW_ENVIRON) {
            return Ok(false);
        }
        let info = Environ {
            kind: EnvironKind::Info,
            vars,
        };
        self.send_subnegotiation(&Subnegotiation::Environ(info))?;
        Ok(true)
    }
}

/// An MSDP value for the log: strings escaped and bounded, arrays in `[...]`, tables in
/// `{...}`.
fn msdp_text(value: &crate::options::MsdpValue) -> String {
    use crate::options::MsdpValue;
    match value {
        MsdpValue::String(bytes) => log_text(bytes).to_string(),
        MsdpValue::Array(items) => {
            let items: Vec<String> = items.iter().map(msdp_text).collect();
            format!("[{}]", items.join(", "))
        }
        MsdpValue::Table(entries) => {
            let entries: Vec<String> = entries
                .iter()
                .map(|(name, value)| format!("{}: {}", log_text(name), msdp_text(value)))
                .collect();
            format!("{{{}}}", entries.join(", "))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proto::{EngineConfig, Limits};

    /// Feeds `input`; returns what the engine queued to send and the events it reported.
    fn feed(engine: &mut Engine, input: &[u8]) -> (Vec<u8>, Vec<Event>) {
        let mut data = Vec::new();
        engine.receive(input, &mut data).unwrap();
        let mut events = Vec::new();
        while let Some(event) = engine.poll_event() {
            events.push(event);
        }
        let mut output = Vec::new();
        engine.take_output(&mut output);
        (output, events)
    }

    /// A server that asked DO CHARSET and got WILL CHARSET: its REQUEST is out.
    fn server_with_charset_request() -> Engine {
        let mut engine = Engine::new(EngineConfig::server());
        engine.enable_remote(TelnetOption::CHARSET);
        engine.clear_output();
        let (output, _) = feed(&mut engine, b"\xff\xfb\x2a");
        // The server asks once the client agreed; nothing else is owed.
        assert_eq!(output, b"\xff\xfa\x2a\x01;UTF-8\xff\xf0");
        assert!(engine.is_pending(TelnetOption::CHARSET));
        engine
    }

    #[test]
    fn empty_charset_accepted_is_a_refusal_not_a_pending_request() {
        let mut engine = server_with_charset_request();
        // The client refuses as telnetlib3-client --encoding cp437 does.
        let (output, events) = feed(&mut engine, b"\xff\xfa\x2a\x02\xff\xf0");
        assert!(output.is_empty(), "nothing to answer: {output:x?}");
        assert!(!engine.is_pending(TelnetOption::CHARSET));
        assert!(engine.is_settled());
        assert_eq!(engine.peer().charset, None);
        assert!(
            events.contains(&Event::Subnegotiation(Subnegotiation::Charset(
                Charset::Rejected
            )))
        );
        assert!(
            !events.iter().any(|e| matches!(e, Event::ProtocolError(_))),
            "{events:?}"
        );
    }

    #[test]
    fn rejected_ends_the_request_too() {
        let mut engine = server_with_charset_request();
        feed(&mut engine, b"\xff\xfa\x2a\x03\xff\xf0");
        assert!(!engine.is_pending(TelnetOption::CHARSET));
        assert_eq!(engine.peer().charset, None);
    }

    #[test]
    fn accepted_names_one_of_ours_in_our_spelling() {
        let mut engine = server_with_charset_request();
        feed(&mut engine, b"\xff\xfa\x2a\x02utf-8\xff\xf0");
        assert!(!engine.is_pending(TelnetOption::CHARSET));
        assert_eq!(engine.peer().charset.as_deref(), Some("UTF-8"));
    }

    #[test]
    fn accepted_naming_a_set_we_never_offered_is_a_refusal() {
        let mut engine = server_with_charset_request();
        let (_, events) = feed(&mut engine, b"\xff\xfa\x2a\x02KOI8-R\x1b[2J\xff\xf0");
        assert!(!engine.is_pending(TelnetOption::CHARSET));
        assert_eq!(engine.peer().charset, None);
        // The event still shows what the peer said.
        assert!(
            events.contains(&Event::Subnegotiation(Subnegotiation::Charset(
                Charset::Accepted("KOI8-R\x1b[2J".into())
            )))
        );
    }

    #[test]
    fn server_rejects_a_request_that_crosses_its_own() {
        let mut engine = server_with_charset_request();
        // RFC 2066: "the server side MUST issue a negative acknowledgment".
        let (output, _) = feed(&mut engine, b"\xff\xfa\x2a\x01;UTF-8\xff\xf0");
        assert_eq!(output, b"\xff\xfa\x2a\x03\xff\xf0");
        // Ours still waits for the client's answer, which then comes.
        assert!(engine.is_pending(TelnetOption::CHARSET));
        assert_eq!(engine.peer().charset, None);
        feed(&mut engine, b"\xff\xfa\x2a\x02UTF-8\xff\xf0");
        assert!(!engine.is_pending(TelnetOption::CHARSET));
        assert_eq!(engine.peer().charset.as_deref(), Some("UTF-8"));
    }

    #[test]
    fn client_answers_the_servers_request_even_with_its_own_out() {
        let mut engine = Engine::new(EngineConfig::client());
        // The client asked first (an application's request).
        engine.request(
            TelnetOption::CHARSET,
            Subnegotiation::Charset(Charset::Request(vec!["UTF-8".into()])),
        );
        engine.clear_output();
        // "The client side MUST respond to the one from the server."
        let (output, _) = feed(&mut engine, b"\xff\xfa\x2a\x01 UTF-8 US-ASCII\xff\xf0");
        assert_eq!(output, b"\xff\xfa\x2a\x02UTF-8\xff\xf0");
        // The server's REJECTED of ours then ends it.
        feed(&mut engine, b"\xff\xfa\x2a\x03\xff\xf0");
        assert!(!engine.is_pending(TelnetOption::CHARSET));
        assert_eq!(engine.peer().charset.as_deref(), Some("UTF-8"));
    }

    #[test]
    fn client_agrees_to_the_servers_will_charset() {
        let mut engine = Engine::new(EngineConfig::client());
        let (output, _) = feed(&mut engine, b"\xff\xfd\x2a\xff\xfb\x2a");
        assert_eq!(output, b"\xff\xfb\x2a\xff\xfd\x2a");
        assert!(engine.local_enabled(TelnetOption::CHARSET));
        assert!(engine.remote_enabled(TelnetOption::CHARSET));
        // It sends no REQUEST of its own: the server asks.
        assert!(engine.is_settled());
    }

    #[test]
    fn one_request_when_charset_goes_on_in_both_directions() {
        let mut engine = server_with_charset_request();
        feed(&mut engine, b"\xff\xfa\x2a\x02UTF-8\xff\xf0");
        assert!(engine.is_settled());
        // We then offer WILL CHARSET and the client agrees: no second REQUEST.
        engine.enable_local(TelnetOption::CHARSET);
        engine.clear_output();
        let (output, _) = feed(&mut engine, b"\xff\xfd\x2a");
        assert!(output.is_empty(), "{output:x?}");
        assert!(engine.local_enabled(TelnetOption::CHARSET));
        assert!(engine.is_settled());
        // A server whose WILL CHARSET is agreed to first asks then.
        let mut engine = Engine::new(EngineConfig::server());
        engine.enable_local(TelnetOption::CHARSET);
        engine.clear_output();
        let (output, _) = feed(&mut engine, b"\xff\xfd\x2a");
        assert_eq!(output, b"\xff\xfa\x2a\x01;UTF-8\xff\xf0");
    }

    /// An environment variable's IS payload: `IS VAR name VALUE value`.
    fn environ_is(name: &str, value: &[u8]) -> Vec<u8> {
        let mut sb = b"\xff\xfa\x27\x00\x00".to_vec();
        sb.extend_from_slice(name.as_bytes());
        sb.push(1);
        sb.extend_from_slice(value);
        sb.extend_from_slice(b"\xff\xf0");
        sb
    }

    fn engine_with_budget(max_peer_data: usize) -> Engine {
        let mut config = EngineConfig::server();
        config.limits = Limits {
            max_peer_data,
            ..Limits::default()
        };
        Engine::new(config)
    }

    #[test]
    fn environment_stays_within_the_peer_data_budget() {
        let mut engine = engine_with_budget(100);
        feed(&mut engine, &environ_is("A", &[b'a'; 59])); // 60 bytes
        feed(&mut engine, &environ_is("B", &[b'b'; 49])); // 50 more: over, ignored
        let env = &engine.peer().environment;
        assert_eq!(env.len(), 1);
        assert!(!env.contains_key("B"));
        assert_eq!(engine.peer().remembered_bytes(), 60);
        feed(&mut engine, &environ_is("C", &[b'c'; 39])); // 40: exactly at the budget
        assert_eq!(engine.peer().remembered_bytes(), 100);
        // A changed value counts its new length in place of the old one.
        feed(&mut engine, &environ_is("A", b"short"));
        assert_eq!(engine.peer().environment["A"], "short");
        assert_eq!(engine.peer().remembered_bytes(), 46);
        // A change that would cross the budget keeps the old value.
        feed(&mut engine, &environ_is("A", &[b'x'; 80]));
        assert_eq!(engine.peer().environment["A"], "short");
        // A variable without a value is forgotten, and its bytes are free again.
        feed(&mut engine, b"\xff\xfa\x27\x02\x00C\xff\xf0");
        assert!(!engine.peer().environment.contains_key("C"));
        assert_eq!(engine.peer().remembered_bytes(), 6);
        feed(&mut engine, &environ_is("B", &[b'b'; 49]));
        assert_eq!(engine.peer().remembered_bytes(), 56);
    }

    #[test]
    fn terminal_types_stay_within_the_budget_and_the_cycle_stops() {
        let mut engine = engine_with_budget(32);
        engine.enable_remote(TelnetOption::TTYPE);
        feed(&mut engine, b"\xff\xfb\x18");
        let (output, _) = feed(&mut engine, b"\xff\xfa\x18\x00type-number-one-20b\xff\xf0");
        assert_eq!(output, b"\xff\xfa\x18\x01\xff\xf0", "the cycle goes on");
        let (output, _) = feed(&mut engine, b"\xff\xfa\x18\x00type-number-two-20b\xff\xf0");
        assert!(output.is_empty(), "the budget is full: no more SEND");
        assert_eq!(engine.peer().terminal_types, ["type-number-one-20b"]);
        assert!(engine.is_settled());
    }

    #[test]
    fn single_values_are_replaced_within_the_budget() {
        let mut engine = engine_with_budget(16);
        feed(&mut engine, b"\xff\xfa\x17office-12\xff\xf0"); // SNDLOC, 9 bytes
        assert_eq!(engine.peer().location.as_deref(), Some("office-12"));
        feed(&mut engine, b"\xff\xfa\x23\x00host:0.0\xff\xf0"); // XDISPLOC, 8: over
        assert_eq!(engine.peer().x_display, None);
        feed(&mut engine, b"\xff\xfa\x17lab\xff\xf0"); // 3 in place of 9
        assert_eq!(engine.peer().location.as_deref(), Some("lab"));
        feed(&mut engine, b"\xff\xfa\x23\x00host:0.0\xff\xf0");
        assert_eq!(engine.peer().x_display.as_deref(), Some("host:0.0"));
        assert_eq!(engine.peer().remembered_bytes(), 11);
        // 2 SLC triples are 6 bytes: over; 1 is 3: fits.
        feed(
            &mut engine,
            b"\xff\xfa\x22\x03\x01\x02\x03\x04\x05\x06\xff\xf0",
        );
        assert!(engine.peer().slc.is_empty());
        feed(&mut engine, b"\xff\xfa\x22\x03\x01\x02\x03\xff\xf0");
        assert_eq!(engine.peer().slc.len(), 1);
        assert_eq!(engine.peer().remembered_bytes(), 14);
    }
}
