//! What happens to one cell, told as it happens, for `cordon trace`.
//!
//! The trial functions are generic over a [`Recorder`]. Ordinary runs use
//! [`NoRecorder`], whose calls compile to nothing: the events are built
//! from values the model has at hand anyway, and a no-op that is inlined
//! leaves no code behind, so a run pays neither a branch nor a byte per
//! cell for tracing. A recorder only watches: it never changes a draw, so
//! a traced trial is the trial `cordon run` ran.

use super::trial::Cell;

/// What happened to a cell. One event is one increment of at most one
/// counter of the trial's record (docs/model.md §5), so that counting events
/// gives back the record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EventKind {
    /// Spawned at a source region (§3.4); `to` is its target. Counts as
    /// `new_cells`.
    Spawned,
    /// Moved over an internal link (no check; counts nothing).
    Moved,
    /// Tried to cross a border segment (`attempts`).
    Attempted,
    /// Detected while trying (`detections`).
    Detected,
    /// Removed at the border (`border_interdictions`).
    InterdictedAtBorder,
    /// Detected but not stopped: stays where it was (counts nothing).
    Repelled,
    /// Crossed a segment without entering member territory from outside
    /// (counts nothing alliance-wide).
    Crossed,
    /// Crossed from a non-member region into a member region: an entry
    /// (`entries`).
    Entered,
    /// An entry from a state without source regions (`entries` and
    /// `indirect_entries`).
    EnteredIndirect,
    /// Reached its target (`newly_established`).
    Established,
    /// Attacked; the event carries the severity (`attacks`, `severity`).
    Attacked,
    /// Removed inside member territory (`interior_interdictions`).
    InterdictedInside,
    /// Had made `max_transit_weeks` decisions: removed (`abandoned`).
    Abandoned,
    /// Shrank to no members (`dissolved`).
    Dissolved,
}

impl EventKind {
    /// Every kind, in the order of a cell's life.
    pub const ALL: [EventKind; 14] = [
        EventKind::Spawned,
        EventKind::Moved,
        EventKind::Attempted,
        EventKind::Detected,
        EventKind::InterdictedAtBorder,
        EventKind::Repelled,
        EventKind::Crossed,
        EventKind::Entered,
        EventKind::EnteredIndirect,
        EventKind::Established,
        EventKind::Attacked,
        EventKind::InterdictedInside,
        EventKind::Abandoned,
        EventKind::Dissolved,
    ];

    /// The name written in `events.csv`.
    pub fn name(self) -> &'static str {
        match self {
            EventKind::Spawned => "spawned",
            EventKind::Moved => "moved",
            EventKind::Attempted => "attempted",
            EventKind::Detected => "detected",
            EventKind::InterdictedAtBorder => "interdicted_at_border",
            EventKind::Repelled => "repelled",
            EventKind::Crossed => "crossed",
            EventKind::Entered => "entered",
            EventKind::EnteredIndirect => "entered_indirect",
            EventKind::Established => "established",
            EventKind::Attacked => "attacked",
            EventKind::InterdictedInside => "interdicted_inside",
            EventKind::Abandoned => "abandoned",
            EventKind::Dissolved => "dissolved",
        }
    }

    /// Whether the cell is removed by it.
    pub fn ends_the_cell(self) -> bool {
        matches!(
            self,
            EventKind::InterdictedAtBorder
                | EventKind::InterdictedInside
                | EventKind::Abandoned
                | EventKind::Dissolved
        )
    }

    /// Whether the cell is in `to` after it (a move or a crossing).
    pub fn moves_the_cell(self) -> bool {
        matches!(
            self,
            EventKind::Moved | EventKind::Crossed | EventKind::Entered | EventKind::EnteredIndirect
        )
    }
}

/// One event of one cell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Event {
    /// The week run, counted from the first warm-up week (subtract
    /// `warmup_weeks` for the recorded week).
    pub run_week: u32,
    pub kind: EventKind,
    /// The region the cell is in when it happens.
    pub region: u32,
    /// The region it moves or tries to move to; a new cell's target.
    pub to: Option<u32>,
    /// The border (index in the scenario) it moves over or tries.
    pub border: Option<u32>,
    /// The cell's size when it happens.
    pub size: u64,
    /// An attack's severity (0 otherwise).
    pub severity: u64,
}

impl Event {
    /// An event of `kind` where `cell` stands, in the `run_week`-th week run.
    #[inline(always)]
    pub(crate) fn at<T>(run_week: u32, kind: EventKind, cell: &Cell<T>) -> Event {
        Event {
            run_week,
            kind,
            region: cell.region(),
            to: None,
            border: None,
            size: cell.size(),
            severity: 0,
        }
    }

    /// The event with a destination and, for a move, its border.
    #[inline(always)]
    pub(crate) fn towards(mut self, to: u32, border: Option<u32>) -> Event {
        self.to = Some(to);
        self.border = border;
        self
    }
}

/// The common-random-number key of a cell: index of its source region
/// among the sources, the week of its spawn counted from the first
/// warm-up week, and its index in that week's spawn there.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, PartialOrd, Ord)]
pub struct CellKey {
    pub source: u32,
    pub week: u32,
    pub index: u32,
}

/// Watches a trial's cells.
pub trait Recorder {
    /// What each cell carries so that its events can be told apart.
    type Tag: Copy;

    /// The tag of the cell with this common-random-number key.
    fn tag(source: u32, week: u32, index: u32) -> Self::Tag;

    /// `event` happened to the cell tagged `tag`.
    fn event(&mut self, tag: Self::Tag, event: Event);
}

/// The recorder of ordinary runs: nothing, at no cost.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoRecorder;

impl Recorder for NoRecorder {
    type Tag = ();

    #[inline(always)]
    fn tag(_: u32, _: u32, _: u32) {}

    #[inline(always)]
    fn event(&mut self, _: (), _: Event) {}
}

/// Every event of every cell, in the order they happen.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct EventLog {
    pub events: Vec<(CellKey, Event)>,
}

impl Recorder for EventLog {
    type Tag = CellKey;

    fn tag(source: u32, week: u32, index: u32) -> CellKey {
        CellKey {
            source,
            week,
            index,
        }
    }

    fn event(&mut self, tag: CellKey, event: Event) {
        self.events.push((tag, event));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Theatre, TrialRecord, Workspace, run_trial_with};
    use crate::scenario::load_str;
    use crate::scenario::metric::Counter;
    use std::collections::BTreeMap;

    /// The names `events.csv` and `cells.csv` are read by (docs/output.md),
    /// and which kinds end or move a cell, kind by kind.
    #[test]
    fn every_kind_has_its_name_its_end_and_its_move() {
        let table = [
            (EventKind::Spawned, "spawned", false, false),
            (EventKind::Moved, "moved", false, true),
            (EventKind::Attempted, "attempted", false, false),
            (EventKind::Detected, "detected", false, false),
            (
                EventKind::InterdictedAtBorder,
                "interdicted_at_border",
                true,
                false,
            ),
            (EventKind::Repelled, "repelled", false, false),
            (EventKind::Crossed, "crossed", false, true),
            (EventKind::Entered, "entered", false, true),
            (EventKind::EnteredIndirect, "entered_indirect", false, true),
            (EventKind::Established, "established", false, false),
            (EventKind::Attacked, "attacked", false, false),
            (
                EventKind::InterdictedInside,
                "interdicted_inside",
                true,
                false,
            ),
            (EventKind::Abandoned, "abandoned", true, false),
            (EventKind::Dissolved, "dissolved", true, false),
        ];
        assert_eq!(EventKind::ALL.len(), table.len());
        for (kind, (want, name, ends, moves)) in EventKind::ALL.into_iter().zip(table) {
            assert_eq!(kind, want, "ALL is in the order of a cell's life");
            assert_eq!(kind.name(), name);
            assert_eq!(kind.ends_the_cell(), ends, "{name} ends the cell");
            assert_eq!(kind.moves_the_cell(), moves, "{name} moves the cell");
        }
    }

    /// The default scenario's trials, logged: each cell's events follow
    /// it where it goes, stop at the one that removes it, and counted
    /// kind by kind give back the trial's record.
    #[test]
    fn a_log_follows_each_cell_and_counts_back_to_the_record() {
        let text = include_str!("../../scenarios/csto-southern-frontier.toml");
        let set = load_str("s.toml", "s", text, &[]).expect("the default scenario");
        let s = &set.base;
        let th = Theatre::new(s);
        let mut work = Workspace::<CellKey>::default();
        let (mut cells_seen, mut ended, mut moved, mut largest) = (0, 0, 0, 0);
        for trial in 0..40 {
            let mut rec = TrialRecord::default();
            let mut log = EventLog::default();
            run_trial_with(&th, trial, &mut work, &mut rec, &mut log);
            let mut by_cell: BTreeMap<CellKey, Vec<Event>> = BTreeMap::new();
            for (key, e) in &log.events {
                by_cell.entry(*key).or_default().push(*e);
            }
            for (key, events) in &by_cell {
                cells_seen += 1;
                let first = events[0];
                assert_eq!(first.kind, EventKind::Spawned, "{key:?} begins spawned");
                assert_eq!(first.run_week, key.week, "{key:?} spawns in its key's week");
                assert_eq!(first.region, s.network.sources[key.source as usize] as u32);
                // A new cell has 1 + Poisson(m − 1) members: at least one,
                // and more than one for some.
                assert!(
                    first.size >= 1,
                    "{key:?} spawns with {} members",
                    first.size
                );
                largest = largest.max(first.size);
                let mut at = first.region;
                for pair in events.windows(2) {
                    let (before, e) = (pair[0], pair[1]);
                    assert!(
                        !before.kind.ends_the_cell(),
                        "{key:?}: an event after its end"
                    );
                    assert!(e.run_week >= before.run_week, "{key:?}: events in order");
                    if before.kind.moves_the_cell() {
                        at = before.to.expect("a move has a destination");
                    }
                    assert_eq!(e.region, at, "{key:?}: {:?} where the cell stands", e.kind);
                }
                moved += events.iter().filter(|e| e.kind.moves_the_cell()).count();
                ended += usize::from(events.last().is_some_and(|e| e.kind.ends_the_cell()));
            }
            // The recorded weeks' events, counted, are the record.
            let recorded = |k: &EventKind| {
                log.events
                    .iter()
                    .filter(|(_, e)| e.run_week >= s.warmup_weeks && e.kind == *k)
                    .count() as u64
            };
            let total = |c: Counter| rec.counters.iter().map(|w| w[c as usize]).sum::<u64>();
            use EventKind as K;
            for (c, kinds) in [
                (Counter::NewCells, &[K::Spawned][..]),
                (Counter::Attempts, &[K::Attempted]),
                (Counter::Detections, &[K::Detected]),
                (Counter::BorderInterdictions, &[K::InterdictedAtBorder]),
                (Counter::Entries, &[K::Entered, K::EnteredIndirect]),
                (Counter::IndirectEntries, &[K::EnteredIndirect]),
                (Counter::NewlyEstablished, &[K::Established]),
                (Counter::InteriorInterdictions, &[K::InterdictedInside]),
                (Counter::Attacks, &[K::Attacked]),
                (Counter::Abandoned, &[K::Abandoned]),
                (Counter::Dissolved, &[K::Dissolved]),
            ] {
                let counted: u64 = kinds.iter().map(recorded).sum();
                assert_eq!(counted, total(c), "trial {trial}: {c:?}");
            }
            let severity: u64 = log
                .events
                .iter()
                .filter(|(_, e)| e.run_week >= s.warmup_weeks && e.kind == K::Attacked)
                .map(|(_, e)| e.severity)
                .sum();
            assert_eq!(
                severity,
                total(Counter::Severity),
                "trial {trial}: severity"
            );
        }
        // Enough happened for the walk to mean something.
        assert!(
            cells_seen > 100 && ended > 50 && moved > 100,
            "{cells_seen} {ended} {moved}"
        );
        assert!(largest > 1, "every new cell had one member");
    }
}
