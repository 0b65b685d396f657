//! One broken fixture per validation rule of MODEL.md §4.
