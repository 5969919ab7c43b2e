//! Which options the engine agrees to when the peer asks.

use super::TelnetOption;

/// A set of option codes (a 256-bit bitmap).
///
/// ```
/// use ironboa::proto::OptionSet;
/// use ironboa::TelnetOption;
///
/// let set = OptionSet::from_options(&[TelnetOption::ECHO, TelnetOption::SGA]);
/// assert!(set.contains(TelnetOption::SGA));
/// assert!(!set.contains(TelnetOption::NAWS));
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Default)]
pub struct OptionSet([u64; 4]);

impl OptionSet {
    /// The empty set.
    pub const fn new() -> OptionSet {
        OptionSet([0; 4])
    }

    /// A set of the given options.
    pub fn from_options(options: &[TelnetOption]) -> OptionSet {
        let mut set = OptionSet::new();
        for &option in options {
            set.insert(option);
        }
        set
    }

    /// Adds `option`.
    pub fn insert(&mut self, option: TelnetOption) {
        self.0[usize::from(option.0 >> 6)] |= 1 << (option.0 & 63);
    }

    /// Removes `option`.
    pub fn remove(&mut self, option: TelnetOption) {
        self.0[usize::from(option.0 >> 6)] &= !(1 << (option.0 & 63));
    }

    /// Whether `option` is in the set.
    pub fn contains(&self, option: TelnetOption) -> bool {
        self.0[usize::from(option.0 >> 6)] & (1 << (option.0 & 63)) != 0
    }

    /// The options in the set, in ascending order.
    pub fn iter(&self) -> impl Iterator<Item = TelnetOption> + '_ {
        (0..=255u8)
            .map(TelnetOption)
            .filter(|option| self.contains(*option))
    }
}

impl std::fmt::Debug for OptionSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_set().entries(self.iter()).finish()
    }
}

/// What the engine agrees to when the peer asks first.
///
/// `local` lists the options we agree to perform when the peer sends `DO`; `remote` lists the
/// options we agree to let the peer perform when it sends `WILL`. Everything else is refused,
/// once per request (RFC 1143). Options the application asks for itself with
/// [`Engine::enable_local`](super::Engine::enable_local) or
/// [`Engine::enable_remote`](super::Engine::enable_remote) are accepted as answers to that request
/// whether listed here or not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Policy {
    /// Options we perform on request (answer `DO` with `WILL`).
    pub local: OptionSet,
    /// Options we let the peer perform (answer `WILL` with `DO`).
    pub remote: OptionSet,
}

impl Policy {
    /// Refuses everything (Python's stdlib telnetlib without a callback).
    pub fn refuse_all() -> Policy {
        Policy::default()
    }

    /// A server's policy, as telnetlib3's server: it performs ECHO, SGA, BINARY, STATUS, TM and
    /// EOR, and lets the client report TTYPE, NAWS, NEW_ENVIRON, CHARSET, TSPEED, XDISPLOC,
    /// SNDLOC, LFLOW and BINARY.
    pub fn server() -> Policy {
        use TelnetOption as O;
        Policy {
            local: OptionSet::from_options(&[O::ECHO, O::SGA, O::BINARY, O::STATUS, O::TM, O::EOR]),
            remote: OptionSet::from_options(&[
                O::TTYPE,
                O::NAWS,
                O::NEW_ENVIRON,
                O::CHARSET,
                O::TSPEED,
                O::XDISPLOC,
                O::SNDLOC,
                O::LFLOW,
                O::BINARY,
            ]),
        }
    }

    /// A client's policy, as telnetlib3's client: it reports TTYPE, NAWS, NEW_ENVIRON, CHARSET,
    /// BINARY, SGA, TM and STATUS, and lets the server perform ECHO, SGA, BINARY, STATUS, EOR
    /// and CHARSET (a server's WILL CHARSET is answered with DO, so that its CHARSET REQUEST is
    /// the one RFC 2066 allows; telnetlib3's client does the same since 2.0.7).
    pub fn client() -> Policy {
        use TelnetOption as O;
        Policy {
            local: OptionSet::from_options(&[
                O::TTYPE,
                O::NAWS,
                O::NEW_ENVIRON,
                O::CHARSET,
                O::BINARY,
                O::SGA,
                O::TM,
                O::STATUS,
            ]),
            remote: OptionSet::from_options(&[
                O::ECHO,
                O::SGA,
                O::BINARY,
                O::STATUS,
                O::EOR,
                O::CHARSET,
            ]),
        }
    }
}
