//! Option negotiation: what the engine does with WILL/WONT/DO/DONT, and the requests an
//! application makes. The RFC 1143 transitions themselves live in [`qmethod`](super::qmethod).

use super::command::IAC;
use super::qmethod::{self, QState, Reply, Transition};
use super::{Engine, Event, Role, Side, TelnetOption, Verb};
use crate::error::ProtocolError;
use crate::options::{
    Charset, EnvVar, Environ, EnvironKind, Subnegotiation, TerminalSpeed, TerminalType, VarKind,
    XDisplay,
};

impl Engine {
    /// A WILL/WONT/DO/DONT arrived.
    pub(super) fn receive_negotiation(&mut self, verb: Verb, option: TelnetOption) {
        log::debug!("recv {verb} {option}");
        if self.manual_negotiation {
            self.push_event(Event::Negotiation { verb, option });
            return;
        }
        if option == TelnetOption::TM {
            self.receive_timing_mark(verb);
            return;
        }
        let side = match verb {
            Verb::Will | Verb::Wont => Side::Remote,
            Verb::Do | Verb::Dont => Side::Local,
        };
        let state = self.option_state(option, side);
        if matches!(verb, Verb::Will | Verb::Do) && state == QState::No {
            self.offered[side as usize].insert(option);
        }
        let transition = match verb {
            Verb::Will | Verb::Do => qmethod::receive_enable(state, self.agrees(option, side)),
            Verb::Wont | Verb::Dont => qmethod::receive_disable(state),
        };
        if transition.answered_refusal {
            let error = ProtocolError::AnsweredRefusal {
                verb: verb.name(),
                option: option.to_string(),
            };
            log::debug!("{error}");
            self.push_event(Event::ProtocolError(error));
        }
        self.apply(option, side, transition);
    }

    /// TIMING-MARK is not a state: `DO TM` is answered at once and leaves the option off, and a
    /// `WILL TM` or `WONT TM` answering our `DO TM` is the mark itself.
    fn receive_timing_mark(&mut self, verb: Verb) {
        let tm = TelnetOption::TM;
        match verb {
            Verb::Do => {
                let reply = if self.config.policy.local.contains(tm) {
                    Verb::Will
                } else {
                    Verb::Wont
                };
                self.queue_reply(&[IAC, reply.byte(), tm.0]);
            }
            Verb::Dont => {}
            Verb::Will | Verb::Wont => {
                if self.remote[usize::from(tm.0)].is_pending() {
                    self.remote[usize::from(tm.0)] = QState::No;
                    self.push_event(Event::TimingMark);
                } else if verb == Verb::Will {
                    self.queue_reply(&[IAC, Verb::Dont.byte(), tm.0]);
                }
            }
        }
    }

    /// Asks the peer for a timing mark (`DO TM`); [`Event::TimingMark`] reports the answer.
    pub fn send_timing_mark(&mut self) -> crate::error::Result<()> {
        self.remote[usize::from(TelnetOption::TM.0)] = QState::WantYes { queued: false };
        self.send_negotiation(Verb::Do, TelnetOption::TM)
    }

    /// Whether policy lets the option be enabled on `side` when the peer asks unprompted.
    fn agrees(&self, option: TelnetOption, side: Side) -> bool {
        match side {
            Side::Remote => self.config.policy.remote.contains(option),
            Side::Local => {
                let identity = &self.config.identity;
                self.config.policy.local.contains(option)
                    && match option {
                        TelnetOption::NAWS => identity.window_size.is_some(),
                        TelnetOption::TSPEED => identity.terminal_speed.is_some(),
                        TelnetOption::XDISPLOC => identity.x_display.is_some(),
                        TelnetOption::TTYPE => !identity.terminal_types.is_empty(),
                        _ => true,
                    }
            }
        }
    }

    /// Applies a transition: stores the state, sends the reply, reports a change.
    fn apply(&mut self, option: TelnetOption, side: Side, transition: Transition) {
        let slot = match side {
            Side::Local => &mut self.local[usize::from(option.0)],
            Side::Remote => &mut self.remote[usize::from(option.0)],
        };
        let was_enabled = slot.is_enabled();
        *slot = transition.state;
        let verb = match (side, transition.reply) {
            (_, Reply::Nothing) => None,
            (Side::Local, Reply::SendEnable) => Some(Verb::Will),
            (Side::Local, Reply::SendDisable) => Some(Verb::Wont),
            (Side::Remote, Reply::SendEnable) => Some(Verb::Do),
            (Side::Remote, Reply::SendDisable) => Some(Verb::Dont),
        };
        if let Some(verb) = verb {
            log::debug!("send {verb} {option}");
            self.queue_reply(&[IAC, verb.byte(), option.0]);
        }
        let enabled = transition.state.is_enabled();
        if enabled != was_enabled {
            self.push_event(Event::OptionChanged {
                option,
                side,
                enabled,
            });
            if enabled {
                self.on_enabled(option, side);
            } else {
                self.awaiting_reply.remove(option);
                if option == TelnetOption::NEW_ENVIRON && side == Side::Remote {
                    self.environ_deferred = false;
                }
            }
        }
        if option == TelnetOption::TTYPE && side == Side::Remote {
            // A refused (or dropped) TTYPE is what a deferred NEW_ENVIRON SEND may wait for.
            self.send_deferred_environ_request();
        }
    }

    /// What follows automatically once an option is on.
    fn on_enabled(&mut self, option: TelnetOption, side: Side) {
        match (self.config.role, side, option) {
            (Role::Server, Side::Remote, TelnetOption::TTYPE) => {
                self.request(
                    TelnetOption::TTYPE,
                    Subnegotiation::TerminalType(TerminalType::Send),
                );
            }
            (Role::Server, Side::Remote, TelnetOption::NEW_ENVIRON) => {
                // The SEND itself may have to wait for the terminal type (Microsoft's telnet).
                self.awaiting_reply.insert(TelnetOption::NEW_ENVIRON);
                self.environ_deferred = true;
                self.send_deferred_environ_request();
            }
            (Role::Server, Side::Remote, TelnetOption::TSPEED) => {
                self.request(
                    TelnetOption::TSPEED,
                    Subnegotiation::TerminalSpeed(TerminalSpeed::Send),
                );
            }
            (Role::Server, Side::Remote, TelnetOption::XDISPLOC) => {
                self.request(
                    TelnetOption::XDISPLOC,
                    Subnegotiation::XDisplay(XDisplay::Send),
                );
            }
            (Role::Server, _, TelnetOption::CHARSET) if !self.config.charsets.is_empty() => {
                // The server asks (RFC 2066; telnetlib3's fix for its issue 59), once CHARSET is
                // on in either direction: strictly, REQUEST is for "a side that has received a
                // DO CHARSET message and sent a WILL CHARSET message", but the clients that
                // speak CHARSET (telnetlib3's, TinTin++) say WILL to our DO and answer the
                // REQUEST that follows. telnetlib3's server also sends WILL CHARSET then,
                // without waiting for the answer; under RFC 1143 that answer would be awaited,
                // and TinTin++ answers only the first of DO and WILL for an option, so it is not
                // sent. When the other direction is already on, the REQUEST went then.
                let other = match side {
                    Side::Local => Side::Remote,
                    Side::Remote => Side::Local,
                };
                if !self.option_state(option, other).is_enabled()
                    && !self.awaiting_reply.contains(option)
                {
                    let request = Charset::Request(self.config.charsets.clone());
                    self.request(option, Subnegotiation::Charset(request));
                }
            }
            (Role::Client, Side::Remote, TelnetOption::GMCP) => {
                for message in self.config.identity.gmcp_hello.clone() {
                    self.queue_subnegotiation(&Subnegotiation::Gmcp(message));
                }
            }
            (Role::Client, Side::Local, TelnetOption::NAWS) => {
                if let Some(size) = self.config.identity.window_size {
                    self.queue_subnegotiation(&Subnegotiation::WindowSize(size));
                }
            }
            _ => {}
        }
    }

    /// Server: sends the NEW_ENVIRON SEND that waits for the terminal type, once it is known
    /// whether the client is Microsoft's telnet, which crashes when asked for USER (telnetlib3's
    /// issue 24). USER is then left out of [`EngineConfig::environ_request`]; everything else
    /// is asked as configured.
    ///
    /// [`EngineConfig::environ_request`]: super::EngineConfig::environ_request
    pub(super) fn send_deferred_environ_request(&mut self) {
        if !self.environ_deferred {
            return;
        }
        let Some(ask_user) = self.may_ask_for_user() else {
            return; // the terminal type is still to come
        };
        self.environ_deferred = false;
        if !self.remote_enabled(TelnetOption::NEW_ENVIRON) {
            return;
        }
        if !ask_user {
            log::debug!(
                "terminal type ANSI, then VT100 or none (Microsoft telnet): NEW_ENVIRON SEND \
                 leaves out USER"
            );
        }
        let mut vars: Vec<EnvVar> = self
            .config
            .environ_request
            .iter()
            .filter(|name| ask_user || !name.eq_ignore_ascii_case("USER"))
            .map(|name| EnvVar {
                kind: VarKind::Var,
                name: name.clone(),
                value: None,
            })
            .collect();
        if !vars.is_empty() {
            // telnetlib3 ends its list with an empty VAR and USERVAR: "and all the rest".
            vars.push(EnvVar {
                kind: VarKind::Var,
                name: String::new(),
                value: None,
            });
            vars.push(EnvVar {
                kind: VarKind::UserVar,
                name: String::new(),
                value: None,
            });
        }
        self.request(
            TelnetOption::NEW_ENVIRON,
            Subnegotiation::Environ(Environ {
                kind: EnvironKind::Send,
                vars,
            }),
        );
    }

    /// Whether a NEW_ENVIRON SEND may name USER: `None` while the terminal types that decide it
    /// are still to come. telnetlib3's rule (its issue 24): Microsoft's telnet reports "ANSI"
    /// and then "VT100". Matched here without regard to case; a client whose first type is
    /// "ANSI" and that reports no second one is not asked for USER either, since it cannot be
    /// told apart. A client that reports no terminal type at all is not Microsoft's telnet.
    fn may_ask_for_user(&self) -> Option<bool> {
        let ttype = self.remote[usize::from(TelnetOption::TTYPE.0)];
        let more_coming = ttype.is_pending()
            || (ttype.is_enabled() && self.awaiting_reply.contains(TelnetOption::TTYPE));
        let types = &self.peer.terminal_types;
        match (types.first(), types.get(1)) {
            (None, _) if more_coming => None,
            (None, _) => Some(true),
            (Some(first), _) if !first.eq_ignore_ascii_case("ANSI") => Some(true),
            (Some(_), None) if more_coming => None,
            (Some(_), None) => Some(false),
            (Some(_), Some(second)) => Some(!second.eq_ignore_ascii_case("VT100")),
        }
    }

    /// Sends a subnegotiation request and remembers that a reply is due.
    pub(super) fn request(&mut self, option: TelnetOption, request: Subnegotiation) {
        self.awaiting_reply.insert(option);
        self.queue_subnegotiation(&request);
    }

    fn request_change(&mut self, option: TelnetOption, side: Side, enable: bool) -> bool {
        let state = self.option_state(option, side);
        let transition = if enable {
            qmethod::request_enable(state)
        } else {
            qmethod::request_disable(state)
        };
        match transition {
            Some(transition) => {
                self.apply(option, side, transition);
                true
            }
            None => false,
        }
    }

    /// Offers to perform the option (`WILL`), following RFC 1143. Returns `false` when it is
    /// already on or already being negotiated on.
    pub fn enable_local(&mut self, option: TelnetOption) -> bool {
        self.request_change(option, Side::Local, true)
    }

    /// Stops performing the option (`WONT`). Returns `false` when it is already off or going off.
    pub fn disable_local(&mut self, option: TelnetOption) -> bool {
        self.request_change(option, Side::Local, false)
    }

    /// Asks the peer to perform the option (`DO`). Returns `false` when it is already on or
    /// already being negotiated on.
    pub fn enable_remote(&mut self, option: TelnetOption) -> bool {
        self.request_change(option, Side::Remote, true)
    }

    /// Asks the peer to stop performing the option (`DONT`). Returns `false` when it is already
    /// off or going off.
    pub fn disable_remote(&mut self, option: TelnetOption) -> bool {
        self.request_change(option, Side::Remote, false)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proto::EngineConfig;

    fn feed(engine: &mut Engine, input: &[u8]) -> Vec<u8> {
        let mut data = Vec::new();
        engine.receive(input, &mut data).unwrap();
        while engine.poll_event().is_some() {}
        let mut output = Vec::new();
        engine.take_output(&mut output);
        output
    }

    fn contains(haystack: &[u8], needle: &[u8]) -> bool {
        haystack.windows(needle.len()).any(|w| w == needle)
    }

    /// telnetlib3's request (and ironboa's default), with or without USER.
    fn environ_send(user: bool) -> Vec<u8> {
        let mut sb = b"\xff\xfa\x27\x01".to_vec();
        if user {
            sb.extend_from_slice(b"\x00USER");
        }
        sb.extend_from_slice(
            b"\x00LOGNAME\x00DISPLAY\x00LANG\x00TERM\x00TERM_PROGRAM\x00COLUMNS\x00LINES\
              \x00COLORTERM\x00EDITOR\x00IPADDRESS\x00\x03\xff\xf0",
        );
        sb
    }

    const NEW_ENVIRON_SEND: &[u8] = b"\xff\xfa\x27\x01";

    /// A server that asked DO TTYPE and DO NEW_ENVIRON, and a client that agreed to both.
    fn server_after_will_ttype_and_new_environ(config: EngineConfig) -> (Engine, Vec<u8>) {
        let mut engine = Engine::new(config);
        engine.enable_remote(TelnetOption::TTYPE);
        engine.enable_remote(TelnetOption::NEW_ENVIRON);
        engine.clear_output();
        let output = feed(&mut engine, b"\xff\xfb\x18\xff\xfb\x27");
        (engine, output)
    }

    #[test]
    fn offers_are_told_from_answers_and_kept_when_refused() {
        let mut engine = Engine::new(EngineConfig::server());
        engine.enable_remote(TelnetOption::TTYPE);
        engine.clear_output();
        // WILL TTYPE answers our DO; WILL LINEMODE, WILL 200 and DO ECHO come unprompted.
        let output = feed(
            &mut engine,
            b"\xff\xfb\x18\xff\xfb\x22\xff\xfb\xc8\xff\xfd\x01",
        );
        assert!(!engine.peer_offered(TelnetOption::TTYPE, Side::Remote));
        assert!(engine.peer_offered(TelnetOption::LINEMODE, Side::Remote));
        assert!(engine.peer_offered(TelnetOption(200), Side::Remote));
        assert!(engine.peer_offered(TelnetOption::ECHO, Side::Local));
        assert!(!engine.peer_offered(TelnetOption::ECHO, Side::Remote));
        // WILL 200 was refused, and stays known as offered.
        assert!(contains(&output, b"\xff\xfe\xc8"));
        assert!(!engine.remote_enabled(TelnetOption(200)));
    }

    #[test]
    fn environ_send_waits_for_the_terminal_type_then_asks_for_user() {
        let (mut engine, output) = server_after_will_ttype_and_new_environ(EngineConfig::server());
        assert_eq!(
            output, b"\xff\xfa\x18\x01\xff\xf0",
            "only TTYPE SEND so far"
        );
        assert!(engine.is_pending(TelnetOption::NEW_ENVIRON));
        let output = feed(&mut engine, b"\xff\xfa\x18\x00xterm\xff\xf0");
        // The cycle goes on, and the environment is asked for, USER first.
        assert_eq!(
            output,
            [&b"\xff\xfa\x18\x01\xff\xf0"[..], &environ_send(true)].concat()
        );
        // Only once, whatever the rest of the cycle says.
        let output = feed(&mut engine, b"\xff\xfa\x18\x00xterm\xff\xf0");
        assert!(!contains(&output, NEW_ENVIRON_SEND), "{output:x?}");
        feed(&mut engine, b"\xff\xfa\x27\x00\x00USER\x01alice\xff\xf0");
        assert!(engine.is_settled());
        assert_eq!(engine.peer().environment["USER"], "alice");
    }

    #[test]
    fn microsoft_telnet_is_not_asked_for_user() {
        // Microsoft's telnet reports ANSI, then VT100 (telnetlib3's issue 24).
        let (mut engine, _) = server_after_will_ttype_and_new_environ(EngineConfig::server());
        let output = feed(&mut engine, b"\xff\xfa\x18\x00ANSI\xff\xf0");
        assert_eq!(
            output, b"\xff\xfa\x18\x01\xff\xf0",
            "ANSI alone does not tell"
        );
        let output = feed(&mut engine, b"\xff\xfa\x18\x00VT100\xff\xf0");
        assert_eq!(
            output,
            [&b"\xff\xfa\x18\x01\xff\xf0"[..], &environ_send(false)].concat()
        );
        assert!(!contains(&output, b"USER"));
    }

    #[test]
    fn ansi_then_another_type_is_asked_for_user() {
        let (mut engine, _) = server_after_will_ttype_and_new_environ(EngineConfig::server());
        feed(&mut engine, b"\xff\xfa\x18\x00ANSI\xff\xf0");
        let output = feed(&mut engine, b"\xff\xfa\x18\x00xterm-256color\xff\xf0");
        assert!(contains(&output, &environ_send(true)), "{output:x?}");
    }

    #[test]
    fn ansi_with_no_second_type_is_not_asked_for_user() {
        let mut config = EngineConfig::server();
        config.ttype_cycle = false;
        let (mut engine, _) = server_after_will_ttype_and_new_environ(config);
        let output = feed(&mut engine, b"\xff\xfa\x18\x00ANSI\xff\xf0");
        assert_eq!(output, environ_send(false));
    }

    #[test]
    fn a_client_that_refuses_ttype_is_asked_at_once() {
        let mut engine = Engine::new(EngineConfig::server());
        engine.enable_remote(TelnetOption::TTYPE);
        engine.enable_remote(TelnetOption::NEW_ENVIRON);
        engine.clear_output();
        let output = feed(&mut engine, b"\xff\xfc\x18\xff\xfb\x27");
        assert_eq!(output, environ_send(true));
        // The same when TTYPE is refused after NEW_ENVIRON was agreed to.
        let mut engine = Engine::new(EngineConfig::server());
        engine.enable_remote(TelnetOption::TTYPE);
        engine.enable_remote(TelnetOption::NEW_ENVIRON);
        engine.clear_output();
        assert!(feed(&mut engine, b"\xff\xfb\x27").is_empty());
        assert_eq!(feed(&mut engine, b"\xff\xfc\x18"), environ_send(true));
        // And at once when TTYPE was never asked.
        let mut engine = Engine::new(EngineConfig::server());
        engine.enable_remote(TelnetOption::NEW_ENVIRON);
        engine.clear_output();
        assert_eq!(feed(&mut engine, b"\xff\xfb\x27"), environ_send(true));
    }

    #[test]
    fn new_environ_withdrawn_while_waiting_is_never_asked() {
        let (mut engine, _) = server_after_will_ttype_and_new_environ(EngineConfig::server());
        feed(&mut engine, b"\xff\xfc\x27"); // WONT NEW_ENVIRON
        let output = feed(&mut engine, b"\xff\xfa\x18\x00xterm\xff\xf0");
        assert!(!contains(&output, NEW_ENVIRON_SEND), "{output:x?}");
        assert!(!engine.is_pending(TelnetOption::NEW_ENVIRON));
    }
}
