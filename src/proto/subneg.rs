//! Received subnegotiations: decoding, remembering what they say, and the automatic replies.

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
        }
        self.push_event(Event::Subnegotiation(decoded));
    }

    /// Remembers what a subnegotiation says and sends the reply it calls for.
    fn answer(&mut self, message: &Subnegotiation) {
        let limits = self.config.limits;
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
                            let known = self.peer.environment.contains_key(&var.name);
                            if var.name.is_empty()
                                || (!known
                                    && self.peer.environment.len() >= limits.max_environment_vars)
                            {
                                continue;
                            }
                            match &var.value {
                                Some(value) => {
                                    self.peer
                                        .environment
                                        .insert(var.name.clone(), value.clone());
                                }
                                None => {
                                    self.peer.environment.remove(&var.name);
                                }
                            }
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
                self.peer.x_display = Some(display.clone());
            }
            Subnegotiation::Location(location) => self.peer.location = Some(location.clone()),
            Subnegotiation::FlowControl(flow) => self.peer.flow_control = Some(*flow),
            Subnegotiation::Linemode(message) => self.receive_linemode(message),
            Subnegotiation::Status(Status::Send) => {
                if self.local_enabled(TelnetOption::STATUS) {
                    let reply = Status::Is(self.status_list());
                    self.queue_subnegotiation(&Subnegotiation::Status(reply));
                }
            }
            Subnegotiation::Status(Status::Is(_)) | Subnegotiation::Other { .. } => {}
        }
    }

    fn receive_terminal_type(&mut self, name: &str) {
        let limits = self.config.limits;
        let types = &mut self.peer.terminal_types;
        let first = types.first().cloned();
        let previous = types.last().cloned();
        if types.len() < limits.max_terminal_types {
            types.push(name.to_owned());
        }
        let count = types.len();
        let awaited = self.awaiting_reply.contains(TelnetOption::TTYPE);
        self.awaiting_reply.remove(TelnetOption::TTYPE);
        // Keep the client cycling while it reports something new (telnetlib3's rule): stop when
        // it repeats itself, loops back to the first, sends an empty or MTTS type, or the list
        // is full.
        let done = !awaited
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

    fn receive_charset(&mut self, message: &Charset) {
        match message {
            Charset::Request(offered) => {
                let we_asked = self.awaiting_reply.contains(TelnetOption::CHARSET);
                if we_asked && self.config.role == Role::Server {
                    // RFC 2066: when both sides request at once, the server's request wins and
                    // the client's is ignored.
                    return;
                }
                let choice = offered.iter().find(|name| {
                    self.config
                        .charsets
                        .iter()
                        .any(|ours| ours.eq_ignore_ascii_case(name))
                });
                let reply = match choice {
                    Some(name) => {
                        self.peer.charset = Some(name.clone());
                        Charset::Accepted(name.clone())
                    }
                    None => Charset::Rejected,
                };
                self.queue_subnegotiation(&Subnegotiation::Charset(reply));
            }
            Charset::Accepted(name) => {
                self.awaiting_reply.remove(TelnetOption::CHARSET);
                self.peer.charset = Some(name.clone());
            }
            Charset::Rejected => {
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
                // Remember the peer's characters; bounded by the subnegotiation limit.
                self.peer.slc = triples.clone();
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
