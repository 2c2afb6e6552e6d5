//! The set of variables definitely assigned at a point of the lowering, with marks
//! to forget what a block assigned when it ends.

use std::collections::HashSet;
use std::rc::Rc;

/// Names in assignment order (each once) plus a hash set of the same names, so that
/// a lookup costs the same in a program of a million assignments as in a short one.
#[derive(Default)]
pub(super) struct Assigned {
    order: Vec<Rc<str>>,
    set: HashSet<Rc<str>>,
}

impl Assigned {
    pub(super) fn from_names(names: impl IntoIterator<Item = Rc<str>>) -> Self {
        let mut a = Assigned::default();
        for n in names {
            a.push(n);
        }
        a
    }

    /// A mark to return to with `truncate`.
    pub(super) fn mark(&self) -> usize {
        self.order.len()
    }

    pub(super) fn contains(&self, name: &str) -> bool {
        self.set.contains(name)
    }

    /// Notes `name` as assigned (a name already noted keeps its earlier place).
    pub(super) fn push(&mut self, name: Rc<str>) {
        if self.set.insert(name.clone()) {
            self.order.push(name);
        }
    }

    /// Forgets the names noted since mark `len`.
    pub(super) fn truncate(&mut self, len: usize) {
        while self.order.len() > len {
            if let Some(n) = self.order.pop() {
                self.set.remove(&n);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn marks_forget_only_new_names() {
        let mut a = Assigned::from_names([Rc::from("x")]);
        let mark = a.mark();
        a.push(Rc::from("x"));
        a.push(Rc::from("y"));
        a.push(Rc::from("y"));
        assert_eq!(a.mark(), 2);
        a.truncate(mark);
        assert!(a.contains("x"), "assigned before the block: still assigned");
        assert!(
            !a.contains("y"),
            "assigned only inside the block: forgotten"
        );
    }
}
