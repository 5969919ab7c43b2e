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
            }
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
                let mut vars: Vec<EnvVar> = self
                    .config
                    .environ_request
                    .iter()
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
            (Role::Server, _, TelnetOption::CHARSET)
                if !self.config.charsets.is_empty()
                    && !self.awaiting_reply.contains(TelnetOption::CHARSET) =>
            {
                let request = Charset::Request(self.config.charsets.clone());
                self.request(TelnetOption::CHARSET, Subnegotiation::Charset(request));
            }
            (Role::Client, Side::Local, TelnetOption::NAWS) => {
                if let Some(size) = self.config.identity.window_size {
                    self.queue_subnegotiation(&Subnegotiation::WindowSize(size));
                }
            }
            _ => {}
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
