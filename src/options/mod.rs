//! Subnegotiation codecs: one module per option that has a subnegotiation.
//!
//! Each codec works on the *unescaped* payload between `IAC SB <option>` and `IAC SE` (the
//! engine undoes `IAC IAC` on receive and applies it on send), so a codec never sees framing.
//! Decoding never panics: a malformed payload is an `Err` with a short reason.
//!
//! The options without a subnegotiation (BINARY, ECHO, SGA, TM, EOR, LOGOUT) need no codec.

pub mod charset;
pub mod environ;
pub mod gmcp;
pub mod lflow;
pub mod linemode;
pub mod msdp;
pub mod mssp;
pub mod naws;
pub mod status;
pub mod tspeed;
pub mod ttype;
pub mod xdisploc;

pub use charset::Charset;
pub use environ::{EnvVar, Environ, EnvironKind, VarKind};
pub use gmcp::Gmcp;
pub use lflow::FlowControl;
pub use linemode::{Linemode, SlcTriple};
pub use msdp::{Msdp, MsdpCommand, MsdpValue};
pub use mssp::Mssp;
pub use naws::WindowSize;
pub use status::Status;
pub use tspeed::TerminalSpeed;
pub use ttype::TerminalType;
pub use xdisploc::XDisplay;

use crate::proto::TelnetOption;

/// A decoded subnegotiation.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Subnegotiation {
    /// NAWS (RFC 1073).
    WindowSize(WindowSize),
    /// TTYPE (RFC 1091).
    TerminalType(TerminalType),
    /// NEW_ENVIRON (RFC 1572).
    Environ(Environ),
    /// The old ENVIRON (RFC 1408), same format as NEW_ENVIRON.
    OldEnviron(Environ),
    /// CHARSET (RFC 2066).
    Charset(Charset),
    /// TSPEED (RFC 1079).
    TerminalSpeed(TerminalSpeed),
    /// XDISPLOC (RFC 1096).
    XDisplay(XDisplay),
    /// SNDLOC (RFC 779): the terminal's location as free text.
    Location(String),
    /// LFLOW (RFC 1372).
    FlowControl(FlowControl),
    /// LINEMODE (RFC 1184).
    Linemode(Linemode),
    /// STATUS (RFC 859).
    Status(Status),
    /// GMCP (option 201): a MUD package message with a JSON body.
    Gmcp(Gmcp),
    /// MSDP (option 69): MUD variables.
    Msdp(Msdp),
    /// MSSP (option 70): a MUD server's status.
    Mssp(Mssp),
    /// Any other option (ATCP, MXP, ...), carried raw.
    Other {
        /// The option.
        option: TelnetOption,
        /// The payload, unescaped.
        data: Vec<u8>,
    },
}

impl Subnegotiation {
    /// Decodes the payload of a subnegotiation for `option`.
    ///
    /// ```
    /// use ironboa::options::{Subnegotiation, WindowSize};
    /// use ironboa::TelnetOption;
    ///
    /// let sb = Subnegotiation::decode(TelnetOption::NAWS, &[0, 80, 0, 24]).unwrap();
    /// assert_eq!(sb, Subnegotiation::WindowSize(WindowSize::new(80, 24)));
    /// ```
    pub fn decode(option: TelnetOption, payload: &[u8]) -> Result<Subnegotiation, &'static str> {
        Ok(match option {
            TelnetOption::NAWS => Subnegotiation::WindowSize(WindowSize::decode(payload)?),
            TelnetOption::TTYPE => Subnegotiation::TerminalType(TerminalType::decode(payload)?),
            TelnetOption::NEW_ENVIRON => Subnegotiation::Environ(Environ::decode(payload)?),
            TelnetOption::OLD_ENVIRON => Subnegotiation::OldEnviron(Environ::decode(payload)?),
            TelnetOption::CHARSET => Subnegotiation::Charset(Charset::decode(payload)?),
            TelnetOption::TSPEED => Subnegotiation::TerminalSpeed(TerminalSpeed::decode(payload)?),
            TelnetOption::XDISPLOC => Subnegotiation::XDisplay(XDisplay::decode(payload)?),
            TelnetOption::SNDLOC => {
                Subnegotiation::Location(String::from_utf8_lossy(payload).into_owned())
            }
            TelnetOption::LFLOW => Subnegotiation::FlowControl(FlowControl::decode(payload)?),
            TelnetOption::LINEMODE => Subnegotiation::Linemode(Linemode::decode(payload)?),
            TelnetOption::STATUS => Subnegotiation::Status(Status::decode(payload)?),
            TelnetOption::GMCP => Subnegotiation::Gmcp(Gmcp::decode(payload)?),
            TelnetOption::MSDP => Subnegotiation::Msdp(Msdp::decode(payload)?),
            TelnetOption::MSSP => Subnegotiation::Mssp(Mssp::decode(payload)?),
            _ => Subnegotiation::Other {
                option,
                data: payload.to_vec(),
            },
        })
    }

    /// The option this subnegotiation belongs to.
    pub fn option(&self) -> TelnetOption {
        match self {
            Subnegotiation::WindowSize(_) => TelnetOption::NAWS,
            Subnegotiation::TerminalType(_) => TelnetOption::TTYPE,
            Subnegotiation::Environ(_) => TelnetOption::NEW_ENVIRON,
            Subnegotiation::OldEnviron(_) => TelnetOption::OLD_ENVIRON,
            Subnegotiation::Charset(_) => TelnetOption::CHARSET,
            Subnegotiation::TerminalSpeed(_) => TelnetOption::TSPEED,
            Subnegotiation::XDisplay(_) => TelnetOption::XDISPLOC,
            Subnegotiation::Location(_) => TelnetOption::SNDLOC,
            Subnegotiation::FlowControl(_) => TelnetOption::LFLOW,
            Subnegotiation::Linemode(_) => TelnetOption::LINEMODE,
            Subnegotiation::Status(_) => TelnetOption::STATUS,
            Subnegotiation::Gmcp(_) => TelnetOption::GMCP,
            Subnegotiation::Msdp(_) => TelnetOption::MSDP,
            Subnegotiation::Mssp(_) => TelnetOption::MSSP,
            Subnegotiation::Other { option, .. } => *option,
        }
    }

    /// Checks that the payload frames as it says where its codec has rules the types cannot
    /// enforce: [`Gmcp::validate`], [`Msdp::validate`], [`Mssp::validate`]. Everything else
    /// passes. [`Engine::send_subnegotiation`](crate::proto::Engine::send_subnegotiation)
    /// applies it, so every call that sends a subnegotiation refuses what it refuses.
    pub fn validate(&self) -> crate::Result<()> {
        match self {
            Subnegotiation::Gmcp(m) => m.validate(),
            Subnegotiation::Msdp(m) => m.validate(),
            Subnegotiation::Mssp(m) => m.validate(),
            _ => Ok(()),
        }
    }

    /// The unescaped payload (what goes between `IAC SB <option>` and `IAC SE`).
    pub fn encode(&self) -> Vec<u8> {
        match self {
            Subnegotiation::WindowSize(m) => m.encode(),
            Subnegotiation::TerminalType(m) => m.encode(),
            Subnegotiation::Environ(m) | Subnegotiation::OldEnviron(m) => m.encode(),
            Subnegotiation::Charset(m) => m.encode(),
            Subnegotiation::TerminalSpeed(m) => m.encode(),
            Subnegotiation::XDisplay(m) => m.encode(),
            Subnegotiation::Location(text) => text.as_bytes().to_vec(),
            Subnegotiation::FlowControl(m) => m.encode(),
            Subnegotiation::Linemode(m) => m.encode(),
            Subnegotiation::Status(m) => m.encode(),
            Subnegotiation::Gmcp(m) => m.encode(),
            Subnegotiation::Msdp(m) => m.encode(),
            Subnegotiation::Mssp(m) => m.encode(),
            Subnegotiation::Other { data, .. } => data.clone(),
        }
    }
}
