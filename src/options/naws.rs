//! NAWS, negotiate about window size (RFC 1073).
//!
//! The client sends `IAC SB NAWS <width16> <height16> IAC SE`, big-endian. A byte 255 in either
//! number is escaped as `IAC IAC` by the subnegotiation framing, not here.

/// A terminal's size in character cells. Zero means "unknown" (RFC 1073).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct WindowSize {
    /// Width in columns.
    pub columns: u16,
    /// Height in rows.
    pub rows: u16,
}

impl WindowSize {
    /// A size of `columns` × `rows`.
    pub fn new(columns: u16, rows: u16) -> WindowSize {
        WindowSize { columns, rows }
    }

    /// Decodes the payload after the option byte.
    pub fn decode(payload: &[u8]) -> Result<WindowSize, &'static str> {
        match payload {
            [c1, c0, r1, r0] => Ok(WindowSize {
                columns: u16::from_be_bytes([*c1, *c0]),
                rows: u16::from_be_bytes([*r1, *r0]),
            }),
            _ => Err("NAWS payload must be exactly 4 bytes"),
        }
    }

    /// The payload after the option byte.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(4);
        out.extend_from_slice(&self.columns.to_be_bytes());
        out.extend_from_slice(&self.rows.to_be_bytes());
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_errors() {
        let size = WindowSize::new(80, 24);
        assert_eq!(size.encode(), [0, 80, 0, 24]);
        assert_eq!(WindowSize::decode(&[0, 80, 0, 24]), Ok(size));
        assert_eq!(
            WindowSize::decode(&[1, 255, 0, 255]),
            Ok(WindowSize::new(511, 255))
        );
        assert!(WindowSize::decode(&[0, 80, 0]).is_err());
        assert!(WindowSize::decode(&[0, 80, 0, 24, 0]).is_err());
    }
}
