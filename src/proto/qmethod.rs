//! RFC 1143 "Q method" option negotiation: the state of one option in one direction.
//!
//! Each option has two of these: one for the local side (what *we* do: we send WILL/WONT, the
//! peer sends DO/DONT) and one for the remote side (what the *peer* does: we send DO/DONT, the
//! peer sends WILL/WONT). The state machine is written once, in terms of "enable" and "disable",
//! and the engine maps it onto the verbs of each side.
//!
//! The Q method guarantees that no sequence of peer messages makes us loop, answer a refusal
//! twice, or acknowledge something we never offered.

/// The RFC 1143 state of one option in one direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum QState {
    /// Disabled.
    #[default]
    No,
    /// Enabled.
    Yes,
    /// We asked to disable and wait for the answer. `queued` is the RFC's OPPOSITE: once the
    /// answer comes, ask to enable again.
    WantNo {
        /// A request for the opposite state is queued.
        queued: bool,
    },
    /// We asked to enable and wait for the answer. `queued`: once answered, ask to disable again.
    WantYes {
        /// A request for the opposite state is queued.
        queued: bool,
    },
}

impl QState {
    /// The option is in effect in this direction.
    pub fn is_enabled(self) -> bool {
        self == QState::Yes
    }

    /// A request of ours is outstanding.
    pub fn is_pending(self) -> bool {
        matches!(self, QState::WantNo { .. } | QState::WantYes { .. })
    }
}

/// What the engine must do after a state change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reply {
    /// Send nothing.
    Nothing,
    /// Send the positive verb (WILL for the local side, DO for the remote side).
    SendEnable,
    /// Send the negative verb (WONT for the local side, DONT for the remote side).
    SendDisable,
}

/// The outcome of one Q-method transition.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Transition {
    /// The new state.
    pub state: QState,
    /// What to send.
    pub reply: Reply,
    /// The peer answered our refusal with an acceptance (RFC 1143's "DONT answered by WILL").
    pub answered_refusal: bool,
}

impl Transition {
    fn to(state: QState, reply: Reply) -> Transition {
        Transition {
            state,
            reply,
            answered_refusal: false,
        }
    }
}

/// The peer sent the positive verb (WILL for remote, DO for local). `agree` is whether policy
/// allows the option to be enabled when the peer asks for it unprompted.
pub fn receive_enable(state: QState, agree: bool) -> Transition {
    match state {
        QState::No if agree => Transition::to(QState::Yes, Reply::SendEnable),
        QState::No => Transition::to(QState::No, Reply::SendDisable),
        QState::Yes => Transition::to(QState::Yes, Reply::Nothing),
        QState::WantNo { queued: false } => Transition {
            answered_refusal: true,
            ..Transition::to(QState::No, Reply::Nothing)
        },
        QState::WantNo { queued: true } => Transition {
            answered_refusal: true,
            ..Transition::to(QState::Yes, Reply::Nothing)
        },
        QState::WantYes { queued: false } => Transition::to(QState::Yes, Reply::Nothing),
        QState::WantYes { queued: true } => {
            Transition::to(QState::WantNo { queued: false }, Reply::SendDisable)
        }
    }
}

/// The peer sent the negative verb (WONT for remote, DONT for local).
pub fn receive_disable(state: QState) -> Transition {
    match state {
        QState::No => Transition::to(QState::No, Reply::Nothing),
        QState::Yes => Transition::to(QState::No, Reply::SendDisable),
        QState::WantNo { queued: false } => Transition::to(QState::No, Reply::Nothing),
        QState::WantNo { queued: true } => {
            Transition::to(QState::WantYes { queued: false }, Reply::SendEnable)
        }
        QState::WantYes { .. } => Transition::to(QState::No, Reply::Nothing),
    }
}

/// We want the option enabled. Returns `None` where the request changes nothing (already
/// enabled, or already being negotiated towards enabled).
pub fn request_enable(state: QState) -> Option<Transition> {
    match state {
        QState::No => Some(Transition::to(
            QState::WantYes { queued: false },
            Reply::SendEnable,
        )),
        QState::WantNo { queued: false } => Some(Transition::to(
            QState::WantNo { queued: true },
            Reply::Nothing,
        )),
        QState::WantYes { queued: true } => Some(Transition::to(
            QState::WantYes { queued: false },
            Reply::Nothing,
        )),
        QState::Yes | QState::WantNo { queued: true } | QState::WantYes { queued: false } => None,
    }
}

/// We want the option disabled. Returns `None` where the request changes nothing.
pub fn request_disable(state: QState) -> Option<Transition> {
    match state {
        QState::Yes => Some(Transition::to(
            QState::WantNo { queued: false },
            Reply::SendDisable,
        )),
        QState::WantNo { queued: true } => Some(Transition::to(
            QState::WantNo { queued: false },
            Reply::Nothing,
        )),
        QState::WantYes { queued: false } => Some(Transition::to(
            QState::WantYes { queued: true },
            Reply::Nothing,
        )),
        QState::No | QState::WantNo { queued: false } | QState::WantYes { queued: true } => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALL: [QState; 6] = [
        QState::No,
        QState::Yes,
        QState::WantNo { queued: false },
        QState::WantNo { queued: true },
        QState::WantYes { queued: false },
        QState::WantYes { queued: true },
    ];

    #[test]
    fn refusal_is_never_answered() {
        // A WONT/DONT from the peer never makes us send the negative verb back, except to
        // acknowledge a switch from YES to NO (which RFC 854 requires).
        for state in ALL {
            let t = receive_disable(state);
            if t.reply == Reply::SendDisable {
                assert_eq!(state, QState::Yes);
            }
            assert_ne!(t.state, QState::Yes);
        }
    }

    #[test]
    fn repeated_peer_messages_are_quiet_once_settled() {
        for state in ALL {
            for agree in [false, true] {
                let first = receive_enable(state, agree);
                let second = receive_enable(first.state, agree);
                if first.state == QState::Yes {
                    assert_eq!(second.reply, Reply::Nothing);
                }
                let first = receive_disable(state);
                let second = receive_disable(first.state);
                assert_eq!(second.reply, Reply::Nothing, "from {state:?}");
            }
        }
    }

    #[test]
    fn queued_opposite_is_honoured() {
        // Ask to enable, then change our mind before the answer: once the peer agrees, we ask to
        // disable, exactly once.
        let t = request_enable(QState::No).unwrap();
        assert_eq!(t.reply, Reply::SendEnable);
        let t = request_disable(t.state).unwrap();
        assert_eq!(t.reply, Reply::Nothing);
        let t = receive_enable(t.state, false);
        assert_eq!(
            (t.state, t.reply),
            (QState::WantNo { queued: false }, Reply::SendDisable)
        );
        let t = receive_disable(t.state);
        assert_eq!((t.state, t.reply), (QState::No, Reply::Nothing));
    }
}
