//! Shards run apart and merged give the bytes of one run on one machine.

use std::path::Path;

use std::ffi::OsStr;

use insta::assert_snapshot;

use crate::util::{TABLES, cordon, data, read, refused, run_in, stable, temp};

/// The example with 2300 trials and `extra` flags, into `dir/out`.
fn run(dir: &Path, out: &str, extra: &[&str]) {
    let args = [&["--trials", "2300", "--quiet"][..], extra].concat();
    run_in(dir, out, data("two_states.toml"), &args);
}

#[test]
fn merged_shards_equal_a_single_run_byte_for_byte() {
    let dir = temp();
    let d = dir.path();
    run(d, "single", &["--threads", "2"]);
    for (k, threads) in [(0, "1"), (1, "2"), (2, "1"), (3, "2")] {
        run(
            d,
            &format!("shard{k}"),
            &["--shard", &format!("{k}/4"), "--threads", threads],
        );
    }
    // Given out of order, on purpose.
    cordon(d)
        .args([
            "merge", "shard2", "shard0", "shard3", "shard1", "--out", "merged",
        ])
        .assert()
        .success();
    for t in TABLES {
        assert!(
            read(&d.join("single").join(t)) == read(&d.join("merged").join(t)),
            "{t} differs"
        );
    }
    let strip = |p: &Path| -> serde_json::Value {
        let mut v: serde_json::Value = serde_json::from_str(&read(p)).expect("JSON");
        for k in ["threads", "command_line", "started_utc", "wall_seconds"] {
            v.as_object_mut().expect("object").remove(k);
        }
        v
    };
    assert_eq!(
        strip(&d.join("single/manifest.json")),
        strip(&d.join("merged/manifest.json"))
    );
    assert!(d.join("merged/charts/forest.png").exists());
}

#[test]
fn merge_refuses_missing_repeated_and_foreign_shards() {
    let dir = temp();
    let d = dir.path();
    for k in 0..3 {
        run(d, &format!("s{k}"), &["--shard", &format!("{k}/3")]);
    }
    run(d, "other_seed", &["--shard", "2/3", "--seed", "99"]);
    run(d, "complete", &[]);
    let fails = |shards: &[&str], name: &str| {
        let args = [&["merge"][..], shards, &["--out", "m"]].concat();
        let e = refused(d, &args);
        assert_snapshot!(format!("merge_{name}"), stable(&e, &[d]));
        assert!(!d.join("m").exists());
    };
    fails(&["s0", "s1"], "a_missing_shard");
    fails(&["s0", "s1", "s1", "s2"], "a_repeated_shard");
    fails(&["s0", "s1", "other_seed"], "a_shard_of_another_seed");
    fails(&["s0", "s1", "complete"], "not_a_shard");
    fails(&["s0", "s1", "nowhere"], "a_missing_folder");
    let e = refused(
        d,
        &[
            OsStr::new("run"),
            OsStr::new(&data("two_states.toml")),
            OsStr::new("--shard"),
            OsStr::new("3/3"),
        ],
    );
    assert_snapshot!("run_a_shard_out_of_range", stable(&e, &[d]));
}
