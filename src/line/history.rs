//! The lines entered before, for Up and Down: bounded, oldest dropped first.

use std::collections::VecDeque;

/// Entered lines, oldest first, at most `max` of them. Empty lines, and a line equal to the
/// one before it, are not kept (as bash's `ignoredups`).
#[derive(Debug, Clone, Default)]
pub struct History {
    lines: VecDeque<String>,
    max: usize,
}

impl History {
    /// A history that keeps at most `max` lines (0 keeps none).
    pub fn new(max: usize) -> History {
        History {
            lines: VecDeque::new(),
            max,
        }
    }

    /// Adds a line (unless it is empty or repeats the last one); drops the oldest past the
    /// bound.
    pub fn add(&mut self, line: &str) {
        if self.max == 0 || line.trim().is_empty() || self.lines.back().is_some_and(|l| l == line) {
            return;
        }
        if self.lines.len() >= self.max {
            self.lines.pop_front();
        }
        self.lines.push_back(line.to_owned());
    }

    /// The number of lines kept.
    pub fn len(&self) -> usize {
        self.lines.len()
    }

    /// Whether no line is kept.
    pub fn is_empty(&self) -> bool {
        self.lines.is_empty()
    }

    /// The line at `index` (0 is the oldest).
    pub fn get(&self, index: usize) -> Option<&str> {
        self.lines.get(index).map(String::as_str)
    }

    /// The lines, oldest first.
    pub fn iter(&self) -> impl Iterator<Item = &str> {
        self.lines.iter().map(String::as_str)
    }

    /// Forgets every line.
    pub fn clear(&mut self) {
        self.lines.clear();
    }

    /// The bound set with [`new`](Self::new).
    pub fn max(&self) -> usize {
        self.max
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounded_without_empties_or_repeats() {
        let mut h = History::new(3);
        for line in ["a", "", "b", "b", "  ", "c", "d"] {
            h.add(line);
        }
        assert_eq!(h.iter().collect::<Vec<_>>(), ["b", "c", "d"]);
        let mut none = History::new(0);
        none.add("x");
        assert!(none.is_empty());
    }
}
