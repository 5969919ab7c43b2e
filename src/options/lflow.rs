//! LFLOW, remote flow control (RFC 1372).

/// A LFLOW subnegotiation: what the client should do with XON/XOFF.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FlowControl {
    /// `OFF` (0): disable local flow control.
    Off,
    /// `ON` (1): enable local flow control.
    On,
    /// `RESTART-ANY` (2): any character restarts output.
    RestartAny,
    /// `RESTART-XON` (3): only XON restarts output.
    RestartXon,
}

impl FlowControl {
    /// Decodes the payload after the option byte.
    pub fn decode(payload: &[u8]) -> Result<FlowControl, &'static str> {
        match payload {
            [0] => Ok(FlowControl::Off),
            [1] => Ok(FlowControl::On),
            [2] => Ok(FlowControl::RestartAny),
            [3] => Ok(FlowControl::RestartXon),
            [_] => Err("unknown LFLOW subcommand"),
            _ => Err("LFLOW payload must be one byte"),
        }
    }

    /// The payload after the option byte.
    pub fn encode(&self) -> Vec<u8> {
        vec![match self {
            FlowControl::Off => 0,
            FlowControl::On => 1,
            FlowControl::RestartAny => 2,
            FlowControl::RestartXon => 3,
        }]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_errors() {
        for flow in [
            FlowControl::Off,
            FlowControl::On,
            FlowControl::RestartAny,
            FlowControl::RestartXon,
        ] {
            assert_eq!(FlowControl::decode(&flow.encode()), Ok(flow));
        }
        assert!(FlowControl::decode(&[4]).is_err());
        assert!(FlowControl::decode(&[]).is_err());
    }
}
