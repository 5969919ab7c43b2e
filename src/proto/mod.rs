//! The sans-IO Telnet engine: parser, NVT line ends, encoder, RFC 1143 options, policy, limits
//! and events. Nothing in here touches a socket, a thread or a clock.

pub mod command;
mod config;
mod encoder;
mod engine;
mod event;
mod hexdump;
mod limits;
mod logtext;
mod negotiate;
mod option;
mod peer;
mod policy;
pub mod qmethod;
mod subneg;

pub use command::{Command, Verb};
pub use config::{EngineConfig, Identity, Role};
pub use encoder::{DataEncoding, encode_data, encode_subnegotiation};
pub use engine::{Engine, Received};
pub use event::{Event, Side};
pub use hexdump::{WIRE_TARGET, hexdump};
pub use limits::Limits;
#[allow(unused_imports)] // for the session, server and client's log lines
pub(crate) use logtext::log_text;
pub use option::TelnetOption;
pub use peer::PeerInfo;
pub use policy::{OptionSet, Policy};
pub use qmethod::QState;
