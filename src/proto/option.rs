//! Telnet option codes and their names.

use std::fmt;

/// A Telnet option code (the byte after `WILL`, `WONT`, `DO`, `DONT` and `SB`).
///
/// Known options have their RFC names for look-ups by name ("BINARY", "NAWS", "TTYPE", ...);
/// unknown codes print as their number.
///
/// ```
/// use ironboa::TelnetOption;
///
/// assert_eq!(TelnetOption::NAWS.to_string(), "NAWS");
/// assert_eq!(TelnetOption::from_name("new-environ"), Some(TelnetOption::NEW_ENVIRON));
/// assert_eq!(TelnetOption::from_name("SUPPRESS-GO-AHEAD"), Some(TelnetOption::SGA));
/// assert_eq!(TelnetOption(150).to_string(), "150");
/// assert_eq!("gmcp".parse::<TelnetOption>().unwrap(), TelnetOption::GMCP);
/// assert_eq!("201".parse::<TelnetOption>().unwrap(), TelnetOption::GMCP);
/// ```
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TelnetOption(pub u8);

macro_rules! options {
    ($( $(#[$doc:meta])* $name:ident = $code:expr, $text:expr; )*) => {
        impl TelnetOption {
            $( $(#[$doc])* pub const $name: TelnetOption = TelnetOption($code); )*
        }
        const NAMES: &[(u8, &str)] = &[ $( ($code, $text), )* ];
    };
}

options! {
    /// Binary transmission, RFC 856.
    BINARY = 0, "BINARY";
    /// Echo, RFC 857.
    ECHO = 1, "ECHO";
    /// Reconnection, NIC 15391.
    RCP = 2, "RCP";
    /// Suppress go-ahead, RFC 858.
    SGA = 3, "SGA";
    /// Approximate message size negotiation.
    NAMS = 4, "NAMS";
    /// Status, RFC 859.
    STATUS = 5, "STATUS";
    /// Timing mark, RFC 860.
    TM = 6, "TM";
    /// Remote controlled transmission and echoing, RFC 726.
    RCTE = 7, "RCTE";
    /// Output line width, NIC 20196.
    NAOL = 8, "NAOL";
    /// Output page size, NIC 20197.
    NAOP = 9, "NAOP";
    /// Output carriage-return disposition, RFC 652.
    NAOCRD = 10, "NAOCRD";
    /// Output horizontal tab stops, RFC 653.
    NAOHTS = 11, "NAOHTS";
    /// Output horizontal tab disposition, RFC 654.
    NAOHTD = 12, "NAOHTD";
    /// Output formfeed disposition, RFC 655.
    NAOFFD = 13, "NAOFFD";
    /// Output vertical tab stops, RFC 656.
    NAOVTS = 14, "NAOVTS";
    /// Output vertical tab disposition, RFC 657.
    NAOVTD = 15, "NAOVTD";
    /// Output linefeed disposition, RFC 658.
    NAOLFD = 16, "NAOLFD";
    /// Extended ASCII, RFC 698.
    XASCII = 17, "XASCII";
    /// Logout, RFC 727.
    LOGOUT = 18, "LOGOUT";
    /// Byte macro, RFC 735.
    BM = 19, "BM";
    /// Data entry terminal, RFC 1043.
    DET = 20, "DET";
    /// SUPDUP, RFC 736.
    SUPDUP = 21, "SUPDUP";
    /// SUPDUP output, RFC 749.
    SUPDUPOUTPUT = 22, "SUPDUPOUTPUT";
    /// Send location, RFC 779.
    SNDLOC = 23, "SNDLOC";
    /// Terminal type, RFC 1091.
    TTYPE = 24, "TTYPE";
    /// End of record, RFC 885.
    EOR = 25, "EOR";
    /// TACACS user identification, RFC 927.
    TUID = 26, "TUID";
    /// Output marking, RFC 933.
    OUTMRK = 27, "OUTMRK";
    /// Terminal location number, RFC 946.
    TTYLOC = 28, "TTYLOC";
    /// Telnet 3270 regime, RFC 1041.
    VT3270REGIME = 29, "VT3270REGIME";
    /// X.3 PAD, RFC 1053.
    X3PAD = 30, "X3PAD";
    /// Negotiate about window size, RFC 1073.
    NAWS = 31, "NAWS";
    /// Terminal speed, RFC 1079.
    TSPEED = 32, "TSPEED";
    /// Remote flow control, RFC 1372.
    LFLOW = 33, "LFLOW";
    /// Linemode, RFC 1184.
    LINEMODE = 34, "LINEMODE";
    /// X display location, RFC 1096.
    XDISPLOC = 35, "XDISPLOC";
    /// The old environment option, RFC 1408.
    OLD_ENVIRON = 36, "OLD_ENVIRON";
    /// Authentication, RFC 2941.
    AUTHENTICATION = 37, "AUTHENTICATION";
    /// Encryption, RFC 2946.
    ENCRYPT = 38, "ENCRYPT";
    /// New environment, RFC 1572.
    NEW_ENVIRON = 39, "NEW_ENVIRON";
    /// TN3270E, RFC 2355.
    TN3270E = 40, "TN3270E";
    /// XAUTH.
    XAUTH = 41, "XAUTH";
    /// Charset, RFC 2066.
    CHARSET = 42, "CHARSET";
    /// Remote serial port.
    RSP = 43, "RSP";
    /// Com port control, RFC 2217.
    COM_PORT_OPTION = 44, "COM_PORT_OPTION";
    /// Suppress local echo.
    SUPPRESS_LOCAL_ECHO = 45, "SUPPRESS_LOCAL_ECHO";
    /// Start TLS.
    TLS = 46, "TLS";
    /// Kermit, RFC 2840.
    KERMIT = 47, "KERMIT";
    /// Send URL.
    SEND_URL = 48, "SEND_URL";
    /// Forward X.
    FORWARD_X = 49, "FORWARD_X";
    /// MUD Server Data Protocol.
    MSDP = 69, "MSDP";
    /// MUD Server Status Protocol.
    MSSP = 70, "MSSP";
    /// MUD Client Compression Protocol v1.
    MCCP = 85, "MCCP";
    /// MUD Client Compression Protocol v2.
    MCCP2 = 86, "MCCP2";
    /// MUD Client Compression Protocol v3.
    MCCP3 = 87, "MCCP3";
    /// MUD Sound Protocol.
    MSP = 90, "MSP";
    /// MUD eXtension Protocol.
    MXP = 91, "MXP";
    /// Zenith MUD Protocol.
    ZMP = 93, "ZMP";
    /// Telnet pragma logon.
    PRAGMA_LOGON = 138, "PRAGMA_LOGON";
    /// Telnet SSPI logon.
    SSPI_LOGON = 139, "SSPI_LOGON";
    /// Telnet pragma heartbeat.
    PRAGMA_HEARTBEAT = 140, "PRAGMA_HEARTBEAT";
    /// Achaea Telnet Client Protocol.
    ATCP = 200, "ATCP";
    /// Generic MUD Communication Protocol.
    GMCP = 201, "GMCP";
    /// Extended options list, RFC 861.
    EXOPL = 255, "EXOPL";
}

/// Other spellings accepted by [`TelnetOption::from_name`], after upper-casing and `-` → `_`.
const ALIASES: &[(&str, u8)] = &[
    ("TRANSMIT_BINARY", 0),
    ("SUPPRESS_GO_AHEAD", 3),
    ("TIMING_MARK", 6),
    ("SEND_LOCATION", 23),
    ("TERMINAL_TYPE", 24),
    ("END_OF_RECORD", 25),
    ("WINDOW_SIZE", 31),
    ("TERMINAL_SPEED", 32),
    ("TOGGLE_FLOW_CONTROL", 33),
    ("X_DISPLAY_LOCATION", 35),
    ("ENVIRON", 36),
    ("AUTH", 37),
    ("NEWENVIRON", 39),
    ("COM_PORT", 44),
    ("MCCP1", 85),
];

impl TelnetOption {
    /// The option's RFC name ("BINARY", "NAWS", ...), or `None` for a code without one.
    pub fn name(self) -> Option<&'static str> {
        NAMES
            .iter()
            .find(|(code, _)| *code == self.0)
            .map(|(_, name)| *name)
    }

    /// Looks an option up by name, case-insensitively, with `-` and `_` treated alike. Besides
    /// the names [`name`](Self::name) gives, the RFC titles are accepted ("SUPPRESS-GO-AHEAD",
    /// "TERMINAL-TYPE", "WINDOW-SIZE", ...), and so is a decimal number ("31").
    pub fn from_name(name: &str) -> Option<TelnetOption> {
        let normalized: String = name
            .trim()
            .chars()
            .map(|c| {
                if c == '-' {
                    '_'
                } else {
                    c.to_ascii_uppercase()
                }
            })
            .collect();
        if let Ok(code) = normalized.parse::<u8>() {
            return Some(TelnetOption(code));
        }
        NAMES
            .iter()
            .find(|(_, n)| *n == normalized)
            .map(|(code, _)| TelnetOption(*code))
            .or_else(|| {
                ALIASES
                    .iter()
                    .find(|(n, _)| *n == normalized)
                    .map(|(_, code)| TelnetOption(*code))
            })
    }
}

impl fmt::Display for TelnetOption {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            Some(name) => f.write_str(name),
            None => write!(f, "{}", self.0),
        }
    }
}

impl fmt::Debug for TelnetOption {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl From<u8> for TelnetOption {
    fn from(code: u8) -> Self {
        TelnetOption(code)
    }
}

impl std::str::FromStr for TelnetOption {
    type Err = crate::error::Error;

    /// An option by name ([`from_name`](TelnetOption::from_name)) or by number ("201"),
    /// failing with [`Error::InvalidArgument`](crate::error::Error::InvalidArgument).
    fn from_str(name: &str) -> Result<TelnetOption, crate::error::Error> {
        if let Ok(code) = name.trim().parse::<u8>() {
            return Ok(TelnetOption(code));
        }
        TelnetOption::from_name(name).ok_or_else(|| {
            crate::error::Error::InvalidArgument(format!("unknown Telnet option name {name:?}"))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_name_round_trips() {
        for (code, name) in NAMES {
            assert_eq!(TelnetOption::from_name(name), Some(TelnetOption(*code)));
            assert_eq!(TelnetOption(*code).to_string(), *name);
        }
    }

    #[test]
    fn aliases_and_numbers() {
        assert_eq!(
            TelnetOption::from_name("timing-mark"),
            Some(TelnetOption::TM)
        );
        assert_eq!(TelnetOption::from_name(" naws "), Some(TelnetOption::NAWS));
        assert_eq!(TelnetOption::from_name("200"), Some(TelnetOption::ATCP));
        assert_eq!(TelnetOption::from_name("no-such-option"), None);
        assert_eq!(format!("{:?}", TelnetOption(99)), "99");
    }
}
