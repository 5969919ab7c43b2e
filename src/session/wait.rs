//! `wait_for`: conditions on option states, by option name.

use crate::error::{Error, Result};
use crate::proto::{Engine, TelnetOption};

/// Something that names an option: a [`TelnetOption`] or its name ("NAWS", "TTYPE", ...).
pub trait OptionName {
    /// The option, or `None` for an unknown name.
    fn to_option(&self) -> std::result::Result<TelnetOption, String>;
}

impl OptionName for TelnetOption {
    fn to_option(&self) -> std::result::Result<TelnetOption, String> {
        Ok(*self)
    }
}

impl OptionName for &str {
    fn to_option(&self) -> std::result::Result<TelnetOption, String> {
        TelnetOption::from_name(self).ok_or_else(|| format!("unknown Telnet option name {self:?}"))
    }
}

impl OptionName for String {
    fn to_option(&self) -> std::result::Result<TelnetOption, String> {
        self.as_str().to_option()
    }
}

/// The conditions of telnetlib3's `wait_for(remote=..., local=..., pending=...)`.
///
/// * `remote(name, true)`: the peer performs the option (it said WILL and we agreed);
/// * `local(name, true)`: we perform the option;
/// * `pending(name, false)`: no request about the option is unanswered (including a
///   subnegotiation request such as TTYPE SEND awaiting its IS).
///
/// ```
/// use ironboa::WaitFor;
///
/// let conditions = WaitFor::new().remote("NAWS", true).remote("TTYPE", true).pending("TTYPE", false);
/// # let _ = conditions;
/// ```
#[derive(Debug, Clone, Default)]
pub struct WaitFor {
    conditions: Vec<(Kind, std::result::Result<TelnetOption, String>, bool)>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Remote,
    Local,
    Pending,
}

impl WaitFor {
    /// No conditions (satisfied at once).
    pub fn new() -> WaitFor {
        WaitFor::default()
    }

    /// Waits until the peer's side of `option` is `enabled`.
    pub fn remote(mut self, option: impl OptionName, enabled: bool) -> WaitFor {
        self.conditions
            .push((Kind::Remote, option.to_option(), enabled));
        self
    }

    /// Waits until our side of `option` is `enabled`.
    pub fn local(mut self, option: impl OptionName, enabled: bool) -> WaitFor {
        self.conditions
            .push((Kind::Local, option.to_option(), enabled));
        self
    }

    /// Waits until whether something about `option` is pending equals `pending`.
    pub fn pending(mut self, option: impl OptionName, pending: bool) -> WaitFor {
        self.conditions
            .push((Kind::Pending, option.to_option(), pending));
        self
    }

    /// Fails with [`Error::InvalidArgument`] if any name was unknown.
    pub(crate) fn validate(&self) -> Result<()> {
        for (_, option, _) in &self.conditions {
            if let Err(message) = option {
                return Err(Error::InvalidArgument(message.clone()));
            }
        }
        Ok(())
    }

    /// Whether every condition holds.
    pub(crate) fn satisfied(&self, engine: &Engine) -> bool {
        self.conditions.iter().all(|(kind, option, want)| {
            let Ok(option) = option else { return false };
            let actual = match kind {
                Kind::Remote => engine.remote_enabled(*option),
                Kind::Local => engine.local_enabled(*option),
                Kind::Pending => engine.is_pending(*option),
            };
            actual == *want
        })
    }
}
