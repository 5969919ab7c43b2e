//! A stateless Telnet stream splitter for recordings: data (IAC IAC undone, CR NUL as CR),
//! negotiation, subnegotiations and commands, from bytes split anywhere. It keeps no option
//! state and answers nothing: it only tells what crossed the wire.

/// One piece of a Telnet stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Piece {
    /// Application data.
    Data(Vec<u8>),
    /// `IAC WILL/WONT/DO/DONT option`: the verb byte (251..=254) and the option.
    Negotiation(u8, u8),
    /// `IAC SB option payload IAC SE`, the payload unescaped.
    Sub(u8, Vec<u8>),
    /// Any other `IAC` command byte (GA, NOP, AYT, ...).
    Command(u8),
}

const IAC: u8 = 255;
const SB: u8 = 250;
const SE: u8 = 240;
/// The most kept of one subnegotiation's payload.
const MAX_SUB: usize = 64 * 1024;

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
enum State {
    #[default]
    Data,
    Iac,
    Verb(u8),
    SbOption,
    Sb,
    SbIac,
}

/// Splits a Telnet byte stream into [`Piece`]s.
#[derive(Debug, Default)]
pub(crate) struct Splitter {
    state: State,
    after_cr: bool,
    sub_option: u8,
    sub: Vec<u8>,
}

impl Splitter {
    /// Splits `bytes`, continuing where the last call stopped.
    pub(crate) fn feed(&mut self, bytes: &[u8]) -> Vec<Piece> {
        let mut pieces = Vec::new();
        let mut data = Vec::new();
        for &byte in bytes {
            match self.state {
                State::Data => {
                    if byte == IAC {
                        self.state = State::Iac;
                        continue;
                    }
                    let after_cr = std::mem::replace(&mut self.after_cr, byte == b'\r');
                    if after_cr && byte == 0 {
                        continue;
                    }
                    data.push(byte);
                }
                State::Iac => {
                    self.state = State::Data;
                    match byte {
                        IAC => {
                            self.after_cr = false;
                            data.push(IAC);
                        }
                        251..=254 => self.state = State::Verb(byte),
                        SB => self.state = State::SbOption,
                        other => {
                            flush(&mut data, &mut pieces);
                            pieces.push(Piece::Command(other));
                        }
                    }
                }
                State::Verb(verb) => {
                    flush(&mut data, &mut pieces);
                    pieces.push(Piece::Negotiation(verb, byte));
                    self.state = State::Data;
                }
                State::SbOption => {
                    self.sub_option = byte;
                    self.sub.clear();
                    self.state = State::Sb;
                }
                State::Sb => {
                    if byte == IAC {
                        self.state = State::SbIac;
                    } else if self.sub.len() < MAX_SUB {
                        self.sub.push(byte);
                    }
                }
                State::SbIac => match byte {
                    SE => {
                        flush(&mut data, &mut pieces);
                        let payload = std::mem::take(&mut self.sub);
                        pieces.push(Piece::Sub(self.sub_option, payload));
                        self.state = State::Data;
                    }
                    other => {
                        if self.sub.len() < MAX_SUB {
                            self.sub.push(other);
                        }
                        self.state = State::Sb;
                    }
                },
            }
        }
        flush(&mut data, &mut pieces);
        pieces
    }
}

fn flush(data: &mut Vec<u8>, pieces: &mut Vec<Piece>) {
    if !data.is_empty() {
        pieces.push(Piece::Data(std::mem::take(data)));
    }
}

/// Encodes application data for the wire outside BINARY: IAC doubled, a CR followed by
/// anything but LF sent as CR NUL (a CR that ends `data` goes out alone).
pub(crate) fn encode_data(data: &[u8], out: &mut Vec<u8>) {
    for (index, &byte) in data.iter().enumerate() {
        match byte {
            IAC => out.extend_from_slice(&[IAC, IAC]),
            b'\r' => {
                out.push(b'\r');
                if data.get(index + 1).is_some_and(|next| *next != b'\n') {
                    out.push(0);
                }
            }
            other => out.push(other),
        }
    }
}

/// Encodes one piece the device sent, for the wire.
pub(crate) fn encode_piece(piece: &Piece, out: &mut Vec<u8>) {
    match piece {
        Piece::Data(data) => encode_data(data, out),
        Piece::Negotiation(verb, option) => out.extend_from_slice(&[IAC, *verb, *option]),
        Piece::Sub(option, payload) => {
            out.extend_from_slice(&[IAC, SB, *option]);
            for &byte in payload {
                if byte == IAC {
                    out.push(IAC);
                }
                out.push(byte);
            }
            out.extend_from_slice(&[IAC, SE]);
        }
        Piece::Command(command) => out.extend_from_slice(&[IAC, *command]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_anywhere_and_round_trips() {
        let wire = b"\xff\xfd\x01hi\r\0x\xff\xff\xff\xfa\x18\x01\xff\xf0\r\n\xff\xf9";
        let whole = Splitter::default().feed(wire);
        assert_eq!(
            whole,
            vec![
                Piece::Negotiation(0xfd, 1),
                Piece::Data(b"hi\rx\xff".to_vec()),
                Piece::Sub(0x18, vec![1]),
                Piece::Data(b"\r\n".to_vec()),
                Piece::Command(0xf9),
            ]
        );
        let mut bytewise = Splitter::default();
        let mut merged: Vec<Piece> = Vec::new();
        for byte in wire {
            for piece in bytewise.feed(&[*byte]) {
                match (merged.last_mut(), piece) {
                    (Some(Piece::Data(a)), Piece::Data(b)) => a.extend(b),
                    (_, piece) => merged.push(piece),
                }
            }
        }
        assert_eq!(merged, whole);
        let mut out = Vec::new();
        for piece in &whole {
            encode_piece(piece, &mut out);
        }
        assert_eq!(out, wire);
    }
}
