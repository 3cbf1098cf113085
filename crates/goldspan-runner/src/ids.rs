//! Document ids held in one buffer: how a gold source keeps the ids of a million documents
//! in their own bytes and 8 more each (where they end), instead of a `String` each (24 bytes
//! and an allocation of its own, at least 32 bytes more). [`Ids`] are sorted, found by binary
//! search and read as `&str`; [`IdList`] is the same buffer in any order, while ids are
//! gathered.

use std::cmp::Ordering;

/// Ids one after another in one buffer, in the order they were pushed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct IdList {
    /// Every id, one after another.
    text: String,
    /// Where each id ends in `text`.
    ends: Vec<usize>,
}

impl IdList {
    /// Adds `id` at the end.
    pub(crate) fn push(&mut self, id: &str) {
        self.text.push_str(id);
        self.ends.push(self.text.len());
    }

    /// Adds every id of `other` at the end, in its order.
    pub(crate) fn append(&mut self, other: &IdList) {
        let before = self.text.len();
        self.text.push_str(&other.text);
        self.ends.extend(other.ends.iter().map(|end| before + end));
    }

    /// How many ids there are.
    pub(crate) fn len(&self) -> usize {
        self.ends.len()
    }

    /// How many bytes the ids take, together.
    pub(crate) fn text_len(&self) -> usize {
        self.text.len()
    }

    /// Makes room for `ids` more ids of `bytes` bytes in all.
    pub(crate) fn reserve(&mut self, bytes: usize, ids: usize) {
        self.text.reserve_exact(bytes);
        self.ends.reserve_exact(ids);
    }

    /// Gives back the room reserved beyond what the ids take.
    pub(crate) fn shrink_to_fit(&mut self) {
        self.text.shrink_to_fit();
        self.ends.shrink_to_fit();
    }

    /// The id at `index` (which must be below [`IdList::len`]).
    pub(crate) fn get(&self, index: usize) -> &str {
        let start = if index == 0 { 0 } else { self.ends[index - 1] };
        &self.text[start..self.ends[index]]
    }

    /// The ids in order.
    fn iter(&self) -> impl ExactSizeIterator<Item = &str> + DoubleEndedIterator + Clone + '_ {
        (0..self.len()).map(|i| self.get(i))
    }
}

/// Document ids, sorted (byte order, as `str` compares), each once.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Ids {
    list: IdList,
}

impl Ids {
    /// The ids of `list` in the order of `order` (positions in `list`), which must put them in
    /// sorted order, each once.
    pub(crate) fn in_order(list: &IdList, order: impl ExactSizeIterator<Item = usize>) -> Ids {
        let mut ids = Ids::default();
        if order.len() == list.len() {
            ids.list.reserve(list.text_len(), list.len());
        }
        for i in order {
            ids.push(list.get(i));
        }
        ids
    }

    /// Ids already sorted, each once.
    pub(crate) fn from_sorted<'a>(sorted: impl IntoIterator<Item = &'a str>) -> Ids {
        let mut ids = Ids::default();
        for id in sorted {
            ids.push(id);
        }
        ids
    }

    /// Adds `id` after the others: it must sort after them.
    pub(crate) fn push(&mut self, id: &str) {
        debug_assert!(self.list.len() == 0 || self.get(self.len() - 1).is_some_and(|last| last < id));
        self.list.push(id);
    }

    /// How many ids there are.
    pub fn len(&self) -> usize {
        self.list.len()
    }

    /// Gives back the room reserved beyond what the ids take.
    pub(crate) fn shrink_to_fit(&mut self) {
        self.list.shrink_to_fit();
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.list.len() == 0
    }

    /// The id at `index`, if there is one.
    pub fn get(&self, index: usize) -> Option<&str> {
        (index < self.len()).then(|| self.list.get(index))
    }

    /// The ids in sorted order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = &str> + DoubleEndedIterator + Clone + '_ {
        self.list.iter()
    }

    /// Where `id` is, if it is one of the ids.
    pub fn position(&self, id: &str) -> Option<usize> {
        let (mut low, mut high) = (0, self.len());
        while low < high {
            let middle = low + (high - low) / 2;
            match self.list.get(middle).cmp(id) {
                Ordering::Less => low = middle + 1,
                Ordering::Greater => high = middle,
                Ordering::Equal => return Some(middle),
            }
        }
        None
    }

    /// The ids as strings of their own.
    pub fn to_vec(&self) -> Vec<String> {
        self.iter().map(str::to_owned).collect()
    }
}

impl std::ops::Index<usize> for Ids {
    type Output = str;

    /// The id at `index`; panics past the end, as a slice does.
    fn index(&self, index: usize) -> &str {
        assert!(index < self.len(), "id {index} of {}", self.len());
        self.list.get(index)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_found_where_they_sort_and_read_back_as_pushed() {
        let mut list = IdList::default();
        // Unicode, an empty id, a prefix of another: byte order, as `str` sorts.
        for id in ["b", "", "ab", "a", "é", "a\u{0}"] {
            list.push(id);
        }
        let mut order: Vec<usize> = (0..list.len()).collect();
        order.sort_by(|&x, &y| list.get(x).cmp(list.get(y)));
        let ids = Ids::in_order(&list, order.into_iter());
        assert_eq!(ids.to_vec(), ["", "a", "a\u{0}", "ab", "b", "é"]);
        for (i, id) in ids.iter().enumerate() {
            assert_eq!(ids.position(id), Some(i));
            assert_eq!(&ids[i], id);
        }
        assert_eq!(ids.iter().next_back(), Some("é"));
        for absent in ["aa", "c", "\u{0}", "é\u{0}"] {
            assert_eq!(ids.position(absent), None, "{absent:?}");
        }
        assert_eq!(ids.get(6), None);
        assert_eq!(Ids::default().position(""), None);
        let mut joined = IdList::default();
        joined.push("x");
        joined.append(&list);
        assert_eq!((joined.len(), joined.get(0), joined.get(1), joined.get(6)), (7, "x", "b", "a\u{0}"));
    }
}
