//! Same scenario and seed, same bytes: at any thread count.
