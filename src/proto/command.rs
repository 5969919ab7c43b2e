//! Telnet command bytes (RFC 854) and the commands surfaced to applications.

use std::fmt;

/// Interpret As Command: starts every Telnet command.
pub const IAC: u8 = 255;
/// Option refusal/disable request: the peer should not do the option.
pub const DONT: u8 = 254;
/// Option request: the peer should do the option.
pub const DO: u8 = 253;
/// Option refusal/disable: the sender will not do the option.
pub const WONT: u8 = 252;
/// Option offer/acceptance: the sender will do the option.
pub const WILL: u8 = 251;
/// Subnegotiation begin.
pub const SB: u8 = 250;
/// Go ahead.
pub const GA: u8 = 249;
/// Erase line.
pub const EL: u8 = 248;
/// Erase character.
pub const EC: u8 = 247;
/// Are you there.
pub const AYT: u8 = 246;
/// Abort output.
pub const AO: u8 = 245;
/// Interrupt process.
pub const IP: u8 = 244;
/// Break.
pub const BRK: u8 = 243;
/// Data mark (the data-stream part of a Synch).
pub const DM: u8 = 242;
/// No operation.
pub const NOP: u8 = 241;
/// Subnegotiation end.
pub const SE: u8 = 240;
/// End of record (RFC 885).
pub const EOR: u8 = 239;
/// Abort process (RFC 1184, LINEMODE's ABORT).
pub const ABORT: u8 = 238;
/// Suspend process (RFC 1184, LINEMODE's SUSP).
pub const SUSP: u8 = 237;
/// End of file (RFC 1184, LINEMODE's EOF).
pub const EOF: u8 = 236;

/// A Telnet command that carries no option: what follows `IAC` other than negotiation, `SB`,
/// `SE` and `IAC` itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Command {
    /// `NOP`: no operation (often used as a keep-alive).
    Nop,
    /// `DM`: data mark, the end of a Synch (RFC 854).
    DataMark,
    /// `BRK`: the break key.
    Break,
    /// `IP`: interrupt process (Ctrl-C).
    InterruptProcess,
    /// `AO`: abort output.
    AbortOutput,
    /// `AYT`: are you there.
    AreYouThere,
    /// `EC`: erase character.
    EraseCharacter,
    /// `EL`: erase line.
    EraseLine,
    /// `GA`: go ahead (the sender now waits for input).
    GoAhead,
    /// `EOR`: end of record (RFC 885), used by MUDs to mark a prompt.
    EndOfRecord,
    /// `ABORT`: abort the process (RFC 1184; Ctrl-\\ in a LINEMODE client).
    Abort,
    /// `SUSP`: suspend the process (RFC 1184; Ctrl-Z in a LINEMODE client).
    Suspend,
    /// `EOF`: end of file (RFC 1184; Ctrl-D in a LINEMODE client).
    EndOfFile,
}

impl Command {
    /// The command byte that follows `IAC`.
    pub fn byte(self) -> u8 {
        match self {
            Command::Nop => NOP,
            Command::DataMark => DM,
            Command::Break => BRK,
            Command::InterruptProcess => IP,
            Command::AbortOutput => AO,
            Command::AreYouThere => AYT,
            Command::EraseCharacter => EC,
            Command::EraseLine => EL,
            Command::GoAhead => GA,
            Command::EndOfRecord => EOR,
            Command::Abort => ABORT,
            Command::Suspend => SUSP,
            Command::EndOfFile => EOF,
        }
    }

    /// The command for a byte that follows `IAC`, if it is one of these commands.
    pub fn from_byte(byte: u8) -> Option<Command> {
        Some(match byte {
            NOP => Command::Nop,
            DM => Command::DataMark,
            BRK => Command::Break,
            IP => Command::InterruptProcess,
            AO => Command::AbortOutput,
            AYT => Command::AreYouThere,
            EC => Command::EraseCharacter,
            EL => Command::EraseLine,
            GA => Command::GoAhead,
            EOR => Command::EndOfRecord,
            ABORT => Command::Abort,
            SUSP => Command::Suspend,
            EOF => Command::EndOfFile,
            _ => return None,
        })
    }

    /// The command's RFC 854 mnemonic ("GA", "AYT", ...).
    pub fn name(self) -> &'static str {
        match self {
            Command::Nop => "NOP",
            Command::DataMark => "DM",
            Command::Break => "BRK",
            Command::InterruptProcess => "IP",
            Command::AbortOutput => "AO",
            Command::AreYouThere => "AYT",
            Command::EraseCharacter => "EC",
            Command::EraseLine => "EL",
            Command::GoAhead => "GA",
            Command::EndOfRecord => "EOR",
            Command::Abort => "ABORT",
            Command::Suspend => "SUSP",
            Command::EndOfFile => "EOF",
        }
    }
}

impl fmt::Display for Command {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One of the four option negotiation verbs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Verb {
    /// `WILL`: the sender offers or agrees to perform the option.
    Will,
    /// `WONT`: the sender refuses or stops performing the option.
    Wont,
    /// `DO`: the sender asks or agrees that the receiver perform the option.
    Do,
    /// `DONT`: the sender asks the receiver to stop, or refuses to let it perform the option.
    Dont,
}

impl Verb {
    /// The command byte.
    pub fn byte(self) -> u8 {
        match self {
            Verb::Will => WILL,
            Verb::Wont => WONT,
            Verb::Do => DO,
            Verb::Dont => DONT,
        }
    }

    /// The verb for a command byte, if it is one.
    pub fn from_byte(byte: u8) -> Option<Verb> {
        Some(match byte {
            WILL => Verb::Will,
            WONT => Verb::Wont,
            DO => Verb::Do,
            DONT => Verb::Dont,
            _ => return None,
        })
    }

    /// "WILL", "WONT", "DO" or "DONT".
    pub fn name(self) -> &'static str {
        match self {
            Verb::Will => "WILL",
            Verb::Wont => "WONT",
            Verb::Do => "DO",
            Verb::Dont => "DONT",
        }
    }
}

impl fmt::Display for Verb {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn command_bytes_round_trip() {
        for byte in 0..=255u8 {
            if let Some(command) = Command::from_byte(byte) {
                assert_eq!(command.byte(), byte);
            }
            if let Some(verb) = Verb::from_byte(byte) {
                assert_eq!(verb.byte(), byte);
            }
        }
        assert_eq!(Command::from_byte(SB), None);
        assert_eq!(Command::from_byte(SE), None);
    }
}
