//! The engine: parses the received stream, and holds the state everything else consults.

use std::collections::VecDeque;
use std::sync::Arc;

use memchr::{memchr, memchr2};

use super::command::{IAC, SB, SE};
use super::encoder::{DataEncoding, encode_data, encode_subnegotiation, find_iac};
use super::hexdump::trace_wire;
use super::qmethod::QState;
use super::{Command, EngineConfig, Event, PeerInfo, Side, TelnetOption, Verb};
use crate::error::{Error, Limit, ProtocolError, Result};
use crate::options::Subnegotiation;

const CR: u8 = b'\r';
const NUL: u8 = 0;

/// Where the parser is in the byte stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ParseState {
    /// Plain data.
    Data,
    /// After `IAC`.
    Iac,
    /// After `IAC WILL|WONT|DO|DONT`, waiting for the option byte.
    Negotiation(Verb),
    /// After `IAC SB`, waiting for the option byte.
    SubnegotiationOption,
    /// After `IAC SB IAC`: `IAC` again is option 255, `SE` an empty subnegotiation.
    SubnegotiationOptionIac,
    /// Inside `IAC SB <option> ...`, collecting the payload.
    Subnegotiation,
    /// After `IAC` inside a subnegotiation.
    SubnegotiationIac,
    /// Inside a subnegotiation that grew past the limit: discarding up to `IAC SE`.
    Discard,
    /// After `IAC` inside a discarded subnegotiation.
    DiscardIac,
}

/// The sans-IO Telnet engine: bytes in, application data, events and bytes to send out.
///
/// It knows nothing of sockets, threads or clocks. A driver feeds it what it reads with
/// [`receive`](Engine::receive), takes the decoded data from the `Vec` it passed in, drains
/// [`poll_event`](Engine::poll_event), and writes [`output`](Engine::output) to the peer. Data
/// to send goes through [`send_data`](Engine::send_data) or [`send_text`](Engine::send_text).
///
/// ```
/// use ironboa::proto::{Engine, EngineConfig, Event, Side};
/// use ironboa::TelnetOption;
///
/// let mut server = Engine::new(EngineConfig::server());
/// server.enable_remote(TelnetOption::NAWS); // queues IAC DO NAWS
/// assert_eq!(server.output(), b"\xff\xfd\x1f");
/// server.clear_output();
///
/// // The client agrees and reports 80x24, then types a line.
/// let mut data = Vec::new();
/// server.receive(b"\xff\xfb\x1f\xff\xfa\x1f\x00\x50\x00\x18\xff\xf0hello\r\n", &mut data)?;
/// assert_eq!(data, b"hello\r\n");
/// assert!(server.remote_enabled(TelnetOption::NAWS));
/// assert_eq!(server.peer().window_size.map(|w| (w.columns, w.rows)), Some((80, 24)));
/// assert!(matches!(
///     server.poll_event(),
///     Some(Event::OptionChanged { option: TelnetOption::NAWS, side: Side::Remote, enabled: true })
/// ));
/// # Ok::<(), ironboa::Error>(())
/// ```
#[derive(Debug)]
pub struct Engine {
    /// Shared by every connection a server makes with the same settings; copied on the first
    /// change through [`config_mut`](Engine::config_mut).
    pub(super) config: Arc<EngineConfig>,
    state: ParseState,
    /// The last data byte delivered was a CR received in NVT mode: a NUL right after it is dropped.
    cr_pending: bool,
    subnegotiation_option: u8,
    subnegotiation: Vec<u8>,
    pub(super) local: [QState; 256],
    pub(super) remote: [QState; 256],
    pub(super) output: Vec<u8>,
    output_overflow: bool,
    /// Events with the length the data output had when each happened.
    pub(super) events: VecDeque<(usize, Event)>,
    /// The length of the `data` vector being filled by the current `receive` call.
    data_len: usize,
    pub(super) peer: PeerInfo,
    /// [`PeerInfo::remembered_bytes`] of `peer`, kept up to date as it changes.
    pub(super) peer_bytes: usize,
    /// Server: a NEW_ENVIRON SEND waits for the terminal type, which tells whether USER may be
    /// asked for (see `send_deferred_environ_request`).
    pub(super) environ_deferred: bool,
    pub(super) manual_negotiation: bool,
    /// Options whose subnegotiation reply we wait for (a SEND or REQUEST of ours).
    pub(super) awaiting_reply: super::OptionSet,
    /// Options the peer offered unprompted: WILL (remote) and DO (local) received while the
    /// option was off and not asked for, accepted or not.
    pub(super) offered: [super::OptionSet; 2],
    /// The next index into `identity.terminal_types` to answer TTYPE SEND with.
    pub(super) ttype_index: usize,
    bytes_received: u64,
    /// Set when a subnegotiation of a stream-switching option just ended.
    stream_switch: Option<TelnetOption>,
}

/// What [`Engine::receive_until_switch`] did with its input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Received {
    /// How many bytes of the input were consumed (all of it unless the stream switched).
    pub consumed: usize,
    /// The option whose subnegotiation switched the stream at that point, if one did.
    pub switch: Option<TelnetOption>,
}

impl Engine {
    /// A new engine with every option disabled.
    pub fn new(config: EngineConfig) -> Engine {
        Engine::with_shared_config(Arc::new(config))
    }

    /// A new engine with a configuration shared with other engines (a server's connections
    /// share one, which saves its lists' memory per connection).
    pub fn with_shared_config(config: Arc<EngineConfig>) -> Engine {
        Engine {
            config,
            state: ParseState::Data,
            cr_pending: false,
            subnegotiation_option: 0,
            subnegotiation: Vec::new(),
            local: [QState::No; 256],
            remote: [QState::No; 256],
            output: Vec::new(),
            output_overflow: false,
            events: VecDeque::new(),
            data_len: 0,
            peer: PeerInfo::default(),
            peer_bytes: 0,
            environ_deferred: false,
            manual_negotiation: false,
            awaiting_reply: super::OptionSet::new(),
            offered: [super::OptionSet::new(), super::OptionSet::new()],
            ttype_index: 0,
            bytes_received: 0,
            stream_switch: None,
        }
    }

    /// The configuration the engine was created with.
    pub fn config(&self) -> &EngineConfig {
        &self.config
    }

    /// Mutable access to the configuration, e.g. to change the reported [`Identity`] later.
    ///
    /// [`Identity`]: super::Identity
    pub fn config_mut(&mut self) -> &mut EngineConfig {
        Arc::make_mut(&mut self.config)
    }

    /// What has been learned about the peer.
    pub fn peer(&self) -> &PeerInfo {
        &self.peer
    }

    /// The number of bytes fed to [`receive`](Engine::receive) so far.
    pub fn bytes_received(&self) -> u64 {
        self.bytes_received
    }

    /// Feeds bytes received from the peer. Application data is appended to `data`; events are
    /// queued for [`poll_event`](Engine::poll_event); replies are queued in
    /// [`output`](Engine::output).
    ///
    /// The result is the same however the stream is split between calls, down to one byte at a
    /// time. Hostile input never makes this fail or panic: protocol violations become
    /// [`Event::ProtocolError`] and the stream stays in sync. It fails only when the replies it
    /// owes would push the unsent output past [`Limits::max_output_buffer`]; the input is
    /// processed in full even then.
    ///
    /// [`Limits::max_output_buffer`]: super::Limits::max_output_buffer
    pub fn receive(&mut self, input: &[u8], data: &mut Vec<u8>) -> Result<()> {
        let mut rest = input;
        loop {
            let received = self.receive_until_switch(rest, data)?;
            rest = &rest[received.consumed..];
            if rest.is_empty() {
                return Ok(());
            }
        }
    }

    /// Like [`receive`](Engine::receive), but stops right after the `IAC SE` that ends a
    /// subnegotiation of an option in [`EngineConfig::stream_switches`]: the peer transforms
    /// everything after that byte (MCCP2 and MCCP3 compress it), so the rest of `input` must
    /// go through the matching decoder before the engine sees it. Returns how much of `input`
    /// was consumed and which option switched the stream, if one did.
    ///
    /// ```
    /// use ironboa::proto::{Engine, EngineConfig, OptionSet};
    /// use ironboa::TelnetOption;
    ///
    /// let mut config = EngineConfig::client();
    /// config.stream_switches = OptionSet::from_options(&[TelnetOption::MCCP2]);
    /// let mut engine = Engine::new(config);
    /// let mut data = Vec::new();
    /// let input = b"hi\xff\xfa\x56\xff\xf0\x78\x9c";
    /// let received = engine.receive_until_switch(input, &mut data)?;
    /// assert_eq!(received.consumed, 7);
    /// assert_eq!(received.switch, Some(TelnetOption::MCCP2));
    /// assert_eq!(data, b"hi");
    /// # Ok::<(), ironboa::Error>(())
    /// ```
    pub fn receive_until_switch(&mut self, input: &[u8], data: &mut Vec<u8>) -> Result<Received> {
        self.stream_switch = None;
        let mut rest = input;
        while !rest.is_empty() && self.stream_switch.is_none() {
            self.data_len = data.len();
            rest = match self.state {
                ParseState::Data => self.parse_data(rest, data),
                ParseState::Subnegotiation => self.parse_subnegotiation(rest),
                ParseState::Discard => match memchr(IAC, rest) {
                    Some(at) => {
                        self.state = ParseState::DiscardIac;
                        &rest[at + 1..]
                    }
                    None => &[],
                },
                _ => {
                    self.parse_byte(rest[0], data);
                    &rest[1..]
                }
            };
        }
        self.data_len = 0;
        let consumed = input.len() - rest.len();
        trace_wire("recv", &input[..consumed]);
        self.bytes_received += consumed as u64;
        if self.output_overflow {
            self.output_overflow = false;
            return Err(Error::LimitExceeded {
                limit: Limit::OutputBuffer,
                max: self.config.limits.max_output_buffer,
            });
        }
        Ok(Received {
            consumed,
            switch: self.stream_switch.take(),
        })
    }

    /// Plain data: copies runs up to the next IAC (and, in NVT mode, drops the NUL of CR NUL).
    fn parse_data<'a>(&mut self, rest: &'a [u8], data: &mut Vec<u8>) -> &'a [u8] {
        if self.config.force_binary || self.remote_enabled(TelnetOption::BINARY) {
            self.cr_pending = false;
            let mut rest = rest;
            loop {
                let Some(at) = find_iac(rest) else {
                    data.extend_from_slice(rest);
                    return &[];
                };
                if rest.get(at + 1) == Some(&IAC) {
                    // IAC IAC, the common case in binary data: a 255, and the scan goes on.
                    data.extend_from_slice(&rest[..=at]);
                    rest = &rest[at + 2..];
                    continue;
                }
                data.extend_from_slice(&rest[..at]);
                self.state = ParseState::Iac;
                return &rest[at + 1..];
            }
        }
        let mut rest = rest;
        if self.cr_pending {
            self.cr_pending = false;
            if rest[0] == NUL {
                rest = &rest[1..];
            }
        }
        // CR NUL needs attention only where a NUL is, so plain text is scanned for IAC and NUL
        // in one pass. `start` is where the run being copied begins, `scan` where the search
        // goes on.
        let mut start = 0;
        let mut scan = 0;
        loop {
            let Some(found) = memchr2(IAC, NUL, &rest[scan..]) else {
                data.extend_from_slice(&rest[start..]);
                self.cr_pending = rest.len() > start && rest[rest.len() - 1] == CR;
                return &[];
            };
            let at = scan + found;
            if rest[at] == IAC {
                if rest.get(at + 1) == Some(&IAC) {
                    // IAC IAC: a 255 in the run; the scan goes on.
                    data.extend_from_slice(&rest[start..=at]);
                    start = at + 2;
                    scan = at + 2;
                    continue;
                }
                data.extend_from_slice(&rest[start..at]);
                self.state = ParseState::Iac;
                return &rest[at + 1..];
            }
            if at > start && rest[at - 1] == CR {
                // CR NUL: a bare CR. Drop the NUL.
                data.extend_from_slice(&rest[start..at]);
                start = at + 1;
            }
            scan = at + 1;
        }
    }

    /// Subnegotiation payload: copies runs up to the next IAC, within the limit.
    fn parse_subnegotiation<'a>(&mut self, rest: &'a [u8]) -> &'a [u8] {
        let (run, after) = match memchr(IAC, rest) {
            Some(at) => (&rest[..at], Some(&rest[at + 1..])),
            None => (rest, None),
        };
        if !self.push_subnegotiation(run) {
            // Now discarding: look for IAC in what remains of this chunk.
            return match after {
                Some(after) => {
                    self.state = ParseState::DiscardIac;
                    after
                }
                None => &[],
            };
        }
        match after {
            Some(after) => {
                self.state = ParseState::SubnegotiationIac;
                after
            }
            None => &[],
        }
    }

    /// Appends to the subnegotiation buffer; past the limit, drops it and starts discarding.
    fn push_subnegotiation(&mut self, bytes: &[u8]) -> bool {
        let limit = self.config.limits.max_subnegotiation;
        if self.subnegotiation.len() + bytes.len() > limit {
            self.subnegotiation.clear();
            self.subnegotiation.shrink_to(256);
            self.state = ParseState::Discard;
            let error = ProtocolError::SubnegotiationTooLong {
                option: self.subnegotiation_option,
                limit,
            };
            log::warn!("{error}");
            self.push_event(Event::ProtocolError(error));
            return false;
        }
        self.subnegotiation.extend_from_slice(bytes);
        true
    }

    /// One byte in any of the command states.
    fn parse_byte(&mut self, byte: u8, data: &mut Vec<u8>) {
        match self.state {
            ParseState::Iac => self.parse_command(byte, data),
            ParseState::Negotiation(verb) => {
                self.state = ParseState::Data;
                self.receive_negotiation(verb, TelnetOption(byte));
            }
            ParseState::SubnegotiationOption if byte == IAC => {
                self.state = ParseState::SubnegotiationOptionIac;
            }
            ParseState::SubnegotiationOption => {
                self.subnegotiation_option = byte;
                self.subnegotiation.clear();
                self.state = ParseState::Subnegotiation;
            }
            ParseState::SubnegotiationOptionIac => match byte {
                IAC => {
                    self.subnegotiation_option = IAC;
                    self.subnegotiation.clear();
                    self.state = ParseState::Subnegotiation;
                }
                SE => {
                    // `IAC SB IAC SE`: a subnegotiation without even an option byte.
                    self.state = ParseState::Data;
                    let error = ProtocolError::MalformedSubnegotiation {
                        option: "(none)".to_owned(),
                        reason: "empty subnegotiation",
                    };
                    log::debug!("{error}");
                    self.push_event(Event::ProtocolError(error));
                }
                _ => {
                    self.subnegotiation_option = IAC;
                    self.interrupt_subnegotiation(byte, data);
                }
            },
            ParseState::SubnegotiationIac => match byte {
                IAC => {
                    self.state = ParseState::Subnegotiation;
                    self.push_subnegotiation(&[IAC]);
                }
                SE => {
                    self.state = ParseState::Data;
                    let option = TelnetOption(self.subnegotiation_option);
                    if self.config.stream_switches.contains(option) {
                        self.stream_switch = Some(option);
                    }
                    let payload = std::mem::take(&mut self.subnegotiation);
                    self.receive_subnegotiation(option, &payload);
                    self.subnegotiation = payload;
                    self.subnegotiation.clear();
                    if self.subnegotiation.capacity() > 4096 {
                        self.subnegotiation.shrink_to(256);
                    }
                }
                _ => self.interrupt_subnegotiation(byte, data),
            },
            ParseState::DiscardIac => match byte {
                IAC => self.state = ParseState::Discard,
                SE => self.state = ParseState::Data,
                _ => self.interrupt_subnegotiation(byte, data),
            },
            ParseState::Data | ParseState::Subnegotiation | ParseState::Discard => {
                unreachable!("bulk states are parsed in bulk")
            }
        }
    }

    /// `IAC <byte>` inside a subnegotiation where `<byte>` is neither IAC nor SE: the peer
    /// forgot to end it. Drop it and treat the byte as the command it is, so the stream stays
    /// in sync (as libtelnet does).
    fn interrupt_subnegotiation(&mut self, byte: u8, data: &mut Vec<u8>) {
        let error = ProtocolError::SubnegotiationInterrupted {
            option: self.subnegotiation_option,
            command: byte,
        };
        log::debug!("{error}");
        self.push_event(Event::ProtocolError(error));
        self.subnegotiation.clear();
        self.parse_command(byte, data);
    }

    /// The byte after IAC in the data stream.
    fn parse_command(&mut self, byte: u8, data: &mut Vec<u8>) {
        self.cr_pending = false;
        self.state = ParseState::Data;
        if byte == IAC {
            data.push(IAC);
        } else if let Some(verb) = Verb::from_byte(byte) {
            self.state = ParseState::Negotiation(verb);
        } else if byte == SB {
            self.state = ParseState::SubnegotiationOption;
        } else if let Some(command) = Command::from_byte(byte) {
            self.push_event(Event::Command(command));
        } else {
            let error = ProtocolError::UnknownCommand(byte);
            log::debug!("{error}");
            self.push_event(Event::ProtocolError(error));
        }
    }

    /// The next queued event, oldest first.
    pub fn poll_event(&mut self) -> Option<Event> {
        self.events.pop_front().map(|(_, event)| event)
    }

    /// The next queued event with where it happened: the length the `data` vector given to
    /// [`receive`](Engine::receive) had at that point of the stream. Commands that act on the
    /// data before them (IAC EC, IAC EL) need it; a stream split across several `receive`
    /// calls reports lengths of the vector of the call that saw the event.
    pub fn poll_event_at(&mut self) -> Option<(usize, Event)> {
        self.events.pop_front()
    }

    /// Queues an event at the current position of the data output.
    pub(super) fn push_event(&mut self, event: Event) {
        self.events.push_back((self.data_len, event));
    }

    /// How many bytes of an unfinished subnegotiation are held, never more than
    /// [`Limits::max_subnegotiation`](super::Limits::max_subnegotiation).
    pub fn buffered_subnegotiation(&self) -> usize {
        self.subnegotiation.len()
    }

    /// The number of events waiting to be polled.
    pub fn pending_events(&self) -> usize {
        self.events.len()
    }

    /// Bytes waiting to be written to the peer.
    pub fn output(&self) -> &[u8] {
        &self.output
    }

    /// Forgets the first `n` bytes of [`output`](Engine::output), once they are written.
    pub fn consume_output(&mut self, n: usize) {
        self.output.drain(..n.min(self.output.len()));
    }

    /// Forgets all of [`output`](Engine::output).
    pub fn clear_output(&mut self) {
        self.output.clear();
        if self.output.capacity() > 64 * 1024 {
            self.output.shrink_to(4096);
        }
    }

    /// Moves all of [`output`](Engine::output) to the end of `out`.
    pub fn take_output(&mut self, out: &mut Vec<u8>) {
        if out.is_empty() {
            std::mem::swap(out, &mut self.output);
        } else {
            out.extend_from_slice(&self.output);
        }
        self.clear_output();
    }

    /// How data we send is encoded now: BINARY follows the local side of the option.
    pub fn data_encoding(&self, convert_newlines: bool) -> DataEncoding {
        DataEncoding {
            binary: self.config.force_binary || self.local_enabled(TelnetOption::BINARY),
            convert_newlines,
        }
    }

    fn check_room(&self, extra: usize) -> Result<()> {
        let max = self.config.limits.max_output_buffer;
        if self.output.len() + extra > max {
            return Err(Error::LimitExceeded {
                limit: Limit::OutputBuffer,
                max,
            });
        }
        Ok(())
    }

    /// Queues application data as-is: IAC doubled and, outside BINARY, a bare CR sent as CR NUL.
    ///
    /// Fails with [`Error::LimitExceeded`] when the unsent output would grow past
    /// [`Limits::max_output_buffer`](super::Limits::max_output_buffer); nothing is queued then.
    pub fn send_data(&mut self, data: &[u8]) -> Result<()> {
        self.check_room(data.len())?;
        let start = self.output.len();
        encode_data(data, self.data_encoding(false), &mut self.output);
        trace_wire("send", &self.output[start..]);
        Ok(())
    }

    /// Queues text: like [`send_data`](Engine::send_data), and `\n` and `\r\n` both become
    /// exactly one CR LF.
    pub fn send_text(&mut self, text: &[u8]) -> Result<()> {
        self.check_room(text.len())?;
        let start = self.output.len();
        encode_data(text, self.data_encoding(true), &mut self.output);
        trace_wire("send", &self.output[start..]);
        Ok(())
    }

    /// Queues a command (`IAC GA`, `IAC AYT`, ...).
    pub fn send_command(&mut self, command: Command) -> Result<()> {
        self.check_room(2)?;
        self.output.extend_from_slice(&[IAC, command.byte()]);
        trace_wire("send", &[IAC, command.byte()]);
        Ok(())
    }

    /// Queues a subnegotiation, framed and escaped. Fails with [`Error::InvalidArgument`]
    /// (queuing nothing) when its payload would not frame as it says (see
    /// [`Subnegotiation::validate`]: a marker byte in an MSDP or MSSP name or value, a space in
    /// a GMCP package name).
    pub fn send_subnegotiation(&mut self, subnegotiation: &Subnegotiation) -> Result<()> {
        subnegotiation.validate()?;
        self.send_raw_subnegotiation(subnegotiation.option(), &subnegotiation.encode())
    }

    /// Queues `IAC SB <option> payload IAC SE`, doubling IAC in the payload.
    pub fn send_raw_subnegotiation(&mut self, option: TelnetOption, payload: &[u8]) -> Result<()> {
        self.check_room(payload.len() + 6)?;
        let start = self.output.len();
        encode_subnegotiation(option.0, payload, &mut self.output);
        trace_wire("send", &self.output[start..]);
        Ok(())
    }

    /// Queues a bare negotiation command with no state change: for manual negotiation mode
    /// (telnetlib's option callback), where the application answers the peer itself.
    pub fn send_negotiation(&mut self, verb: Verb, option: TelnetOption) -> Result<()> {
        self.check_room(3)?;
        self.output.extend_from_slice(&[IAC, verb.byte(), option.0]);
        trace_wire("send", &[IAC, verb.byte(), option.0]);
        Ok(())
    }

    /// Queues bytes produced by the engine itself (replies). Past the output limit they are
    /// dropped and `receive` reports the overflow.
    pub(super) fn queue_reply(&mut self, bytes: &[u8]) {
        if self.output.len() + bytes.len() > self.config.limits.max_output_buffer {
            self.output_overflow = true;
            return;
        }
        self.output.extend_from_slice(bytes);
        trace_wire("send", bytes);
    }

    /// Queues a subnegotiation produced by the engine itself.
    pub(super) fn queue_subnegotiation(&mut self, subnegotiation: &Subnegotiation) {
        let mut frame = Vec::new();
        encode_subnegotiation(
            subnegotiation.option().0,
            &subnegotiation.encode(),
            &mut frame,
        );
        self.queue_reply(&frame);
    }

    /// In manual negotiation mode the engine answers no WILL/WONT/DO/DONT and sends no automatic
    /// subnegotiation replies; each negotiation is reported as [`Event::Negotiation`] for the
    /// application to answer with [`send_negotiation`](Engine::send_negotiation). This is
    /// Python telnetlib's `set_option_negotiation_callback`.
    pub fn set_manual_negotiation(&mut self, manual: bool) {
        self.manual_negotiation = manual;
    }

    /// Whether the option is in effect on our side (we sent or agreed with WILL).
    pub fn local_enabled(&self, option: TelnetOption) -> bool {
        self.local[usize::from(option.0)].is_enabled()
    }

    /// Whether the option is in effect on the peer's side (it sent or agreed with WILL).
    pub fn remote_enabled(&self, option: TelnetOption) -> bool {
        self.remote[usize::from(option.0)].is_enabled()
    }

    /// Whether the peer offered the option unprompted: `WILL` for [`Side::Remote`], `DO` for
    /// [`Side::Local`], received while the option was off and not asked for, whether or not it
    /// was accepted. With [`option_state`](Engine::option_state) this tells what a peer
    /// volunteered and what was refused (telnetlib3's `rejected_will` and `rejected_do`).
    pub fn peer_offered(&self, option: TelnetOption, side: Side) -> bool {
        self.offered[side as usize].contains(option)
    }

    /// The RFC 1143 state of the option on one side.
    pub fn option_state(&self, option: TelnetOption, side: Side) -> QState {
        match side {
            Side::Local => self.local[usize::from(option.0)],
            Side::Remote => self.remote[usize::from(option.0)],
        }
    }

    /// Whether a request of ours about the option is unanswered, on either side, or a
    /// subnegotiation request (TTYPE SEND, NEW_ENVIRON SEND, CHARSET REQUEST, ...) awaits its reply.
    pub fn is_pending(&self, option: TelnetOption) -> bool {
        let i = usize::from(option.0);
        self.local[i].is_pending()
            || self.remote[i].is_pending()
            || self.awaiting_reply.contains(option)
    }

    /// The options with something pending (see [`is_pending`](Engine::is_pending)).
    pub fn pending_options(&self) -> impl Iterator<Item = TelnetOption> + '_ {
        (0..=255u8)
            .map(TelnetOption)
            .filter(|o| self.is_pending(*o))
    }

    /// True when nothing is pending: every request of ours has been answered. A server uses it
    /// to know when the opening negotiation is over.
    pub fn is_settled(&self) -> bool {
        self.pending_options().next().is_none()
    }

    /// Whether IAC GA should follow output that waits for input: true until the peer has agreed
    /// that we suppress go-ahead (local SGA), as RFC 858 and telnetlib3 have it.
    pub fn go_ahead_needed(&self) -> bool {
        !self.local_enabled(TelnetOption::SGA)
    }

    /// The line discipline as telnetlib3 names it: `"remote"` when the peer echoes and does
    /// character-at-a-time (remote ECHO and SGA, seen from a client), `"local"` when it does
    /// neither, `"kludge"` for SGA without ECHO (RFC 1184's kludge line mode). Seen from a
    /// server the roles swap: local ECHO and SGA is `"remote"` editing on the server.
    pub fn mode(&self) -> &'static str {
        let (echo, sga) = match self.config.role {
            super::Role::Client => (
                self.remote_enabled(TelnetOption::ECHO),
                self.remote_enabled(TelnetOption::SGA),
            ),
            super::Role::Server => (
                self.local_enabled(TelnetOption::ECHO),
                self.local_enabled(TelnetOption::SGA),
            ),
        };
        match (echo, sga) {
            (true, true) => "remote",
            (false, true) => "kludge",
            _ => "local",
        }
    }
}
