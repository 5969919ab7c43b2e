//! # ironboa: a blocking Telnet stack
//!
//! ironboa is Telnet for plain Rust threads: a thread-per-connection server for MUDs, BBSes,
//! admin consoles and device simulators, and a telnetlib-style client for scripts and test
//! harnesses that drive Telnet devices. Both stand on one **sans-IO engine**, [`proto::Engine`].
//!
//! ## Scope
//!
//! In scope: RFC 854/855 framing, RFC 1143 loop-free option negotiation, the options telnetlib3
//! implements (BINARY, ECHO, SGA, STATUS, TIMING-MARK, EOR, LOGOUT, SNDLOC, NAWS, TSPEED, TTYPE,
//! XDISPLOC, LINEMODE, LFLOW, NEW_ENVIRON, CHARSET), the MUD protocols GMCP, MSDP and MSSP
//! with EOR prompts ([`mud`]), and bounded buffers everywhere.
//!
//! Out of scope for the engine: sockets, threads, clocks, text encodings. The engine deals in
//! bytes; drivers own I/O, time and decoding. The connections' text encodings (UTF-8, code
//! pages by name, the retro sets, CHARSET and LANG switching) are in [`encoding`].
//!
//! ## Data flow
//!
//! ```text
//!             bytes from the peer                      bytes to the peer
//!                    │                                        ▲
//!                    ▼                                        │
//!   ┌─────────────────────────────────────────────────────────┴───────┐
//!   │ Engine::receive ──► parser ──► NVT (CR NUL → CR) ──► data Vec   │
//!   │                        │                                        │
//!   │                        ├─► WILL/WONT/DO/DONT ──► RFC 1143 ──► output
//!   │                        ├─► SB … SE ──► options codecs ──► PeerInfo, replies
//!   │                        └─► commands, changes, errors ──► poll_event()
//!   │ Engine::send_data / send_text ──► IAC doubling, CR NUL, CR LF ──► output
//!   └─────────────────────────────────────────────────────────────────┘
//! ```
//!
//! The blocking connections ([`ServerConnection`], [`TelnetConnection`]) drive the engine
//! through one connection core, built only on the engine's public API:
//!
//! ```text
//!   Transport (TCP, Unix socket, socketpair, pipes)
//!      │ read, with a deadline or as a poll          ▲ write, with a total deadline
//!      ▼                                             │
//!   input layers (TLS, MCCP)                      output layers
//!      │                                             ▲
//!      ▼                                             │
//!   Engine::receive_until_switch ──► replies, echo ──► the one write path ◄── send, write,
//!      │                                                                      negotiation
//!      ├─► data ──► lines, bytes, text ──► read_until(condition, wait) ◄── readline, read, ...
//!      └─► events ──────────────────────────────────────────────────────► next_event
//! ```
//!
//! MCCP2 and MCCP3 compression (the `mccp` feature, in `cli`; module `compress`) are such layers,
//! switched on at the byte after the `IAC SE` that starts them.
//!
//! ## Example: two engines negotiating in memory
//!
//! ```
//! use ironboa::proto::{Engine, EngineConfig};
//! use ironboa::TelnetOption;
//!
//! let mut server = Engine::new(EngineConfig::server());
//! let mut client = Engine::new(EngineConfig::client());
//! server.enable_remote(TelnetOption::TTYPE);
//! server.enable_remote(TelnetOption::NAWS);
//!
//! // Shuttle bytes until neither side has anything to say.
//! let mut data = Vec::new();
//! for _ in 0..10 {
//!     let to_client = server.output().to_vec();
//!     server.clear_output();
//!     client.receive(&to_client, &mut data)?;
//!     let to_server = client.output().to_vec();
//!     client.clear_output();
//!     server.receive(&to_server, &mut data)?;
//! }
//! assert_eq!(server.peer().terminal_type(), Some("xterm"));
//! assert!(server.is_settled());
//! # Ok::<(), ironboa::Error>(())
//! ```
//!
//! ## Logging
//!
//! Everything goes through the [`log`] crate. Negotiation is logged at debug level; at trace
//! level, under the target [`proto::WIRE_TARGET`] (`ironboa::wire`), every byte read and
//! written is hex-dumped.
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![warn(unreachable_pub)]

pub mod client;
#[cfg(feature = "mccp")]
pub mod compress;
pub mod encoding;
pub mod error;
#[cfg(feature = "editor")]
pub mod line;
pub mod mud;
pub mod options;
pub mod proto;
#[cfg(feature = "record")]
pub mod record;
pub mod server;
mod session;
#[cfg(feature = "editor")]
pub mod shell;
#[cfg(feature = "tls")]
pub mod tls;

pub use client::{ClientConfig, TelnetConnection};
pub use encoding::{Encoding, EncodingErrors};
pub use error::{Error, Limit, Operation, ProtocolError, ProxyHeaderError, Result, TlsError};
pub use proto::{Command, Event, Side, TelnetOption, Verb};
pub use server::{BlockingTelnetServer, ConnectionId, ServerConfig, ServerConnection};
pub use session::{OptionName, PeerAddress, Transport, WaitFor};
