//! telnetlib's `expect`: reading until one of several regular expressions matches.

use std::ops::Range;
use std::time::Duration;

use regex::bytes::{Regex, RegexBuilder};

use super::Telnet;
use crate::error::{Error, Result};

/// What [`Telnet::expect`] found: telnetlib's `(index, match, text)` tuple.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExpectMatch {
    /// Which pattern matched (the first in the list that does), or `None` on timeout.
    pub index: Option<usize>,
    /// Everything read, up to and including the match (or everything that arrived, when
    /// nothing matched).
    pub data: Vec<u8>,
    /// Where in `data` the match is, and each capture group (`groups[0]` is the whole match).
    pub groups: Vec<Option<Range<usize>>>,
}

impl ExpectMatch {
    /// The matched bytes, if a pattern matched.
    pub fn matched(&self) -> Option<&[u8]> {
        self.group(0)
    }

    /// Capture group `i` of the match (0 is the whole match).
    pub fn group(&self, i: usize) -> Option<&[u8]> {
        self.groups.get(i)?.clone().map(|range| &self.data[range])
    }

    /// telnetlib's tuple: index (`-1` style `None` on timeout), the matched bytes, the data.
    pub fn into_parts(self) -> (Option<usize>, Option<Vec<u8>>, Vec<u8>) {
        let matched = self.matched().map(<[u8]>::to_vec);
        (self.index, matched, self.data)
    }
}

impl Telnet {
    /// telnetlib's `expect`: reads until one of `patterns` (regular expressions over bytes)
    /// matches. Returns which one, the match, and the data up to and including it. When
    /// `timeout` passes, or the stream ends, with nothing matching, returns `index: None` and
    /// what has arrived; [`Error::Closed`] if the stream ended with nothing read at all. An
    /// invalid pattern is [`Error::InvalidArgument`].
    ///
    /// The patterns are byte patterns, as telnetlib's `rb"..."` are: `.` matches any byte,
    /// `\xff` the byte 0xff, `\w` an ASCII word character; a non-ASCII character written in a
    /// pattern matches its UTF-8 bytes. (`(?u)` turns Unicode matching on for a pattern.)
    ///
    /// As in telnetlib, a pattern that can match early (`.*`) makes the result depend on how
    /// the data arrives; anchor patterns on what ends the output you wait for.
    pub fn expect(&self, patterns: &[&str], timeout: Option<Duration>) -> Result<ExpectMatch> {
        let compiled = patterns
            .iter()
            .map(|p| {
                RegexBuilder::new(p)
                    .unicode(false)
                    .build()
                    .map_err(|e| Error::InvalidArgument(e.to_string()))
            })
            .collect::<Result<Vec<_>>>()?;
        self.expect_regex(&compiled, timeout)
    }

    /// [`expect`](Self::expect) with patterns compiled once by the caller (compile them with
    /// `RegexBuilder::new(p).unicode(false)` for telnetlib's byte semantics).
    pub fn expect_regex(
        &self,
        patterns: &[Regex],
        timeout: Option<Duration>,
    ) -> Result<ExpectMatch> {
        let mut found: Option<(usize, Vec<Option<Range<usize>>>)> = None;
        let (matched, data) = self.read_matching(timeout, |input| {
            for (index, pattern) in patterns.iter().enumerate() {
                if let Some(captures) = pattern.captures(input) {
                    let groups: Vec<Option<Range<usize>>> =
                        captures.iter().map(|m| m.map(|m| m.range())).collect();
                    let end = groups[0].as_ref().map_or(0, |r| r.end);
                    found = Some((index, groups));
                    return Some(end);
                }
            }
            None
        })?;
        Ok(match (matched, found) {
            (true, Some((index, groups))) => ExpectMatch {
                index: Some(index),
                data,
                groups,
            },
            _ => ExpectMatch {
                index: None,
                data,
                groups: Vec::new(),
            },
        })
    }
}
