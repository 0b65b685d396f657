//! §3.1, §3.2 and the effort terms of §3.5.4 against their closed forms,
//! beyond the checks in `tests` (the table in `docs/reliability.md`,
//! "Rules against closed forms"). These rules are deterministic: each value
//! is compared with its formula to 1e-12 (relative).

use super::tests::{close, three_states};
use super::*;

#[test]
fn stocks_approach_their_steady_state_geometrically() {
    // From zero stocks, x <- (1 - δ) x + f has x_t = x* (1 - (1 - δ)^(t+1)),
    // and readiness R <- R (k - c) + c (k = 2^(-1/h), c = 1 - exp(-ρ_X x B))
    // has R_t = R* (1 - (k - c)^(t+1)), R* = c / (1 - k + c): the half-life
    // shows in the factor k.
    let s = three_states(
        "[model]\nreadiness_half_life = 12\nborder_decay = 0.05\nintel_decay = 0.02\n",
    );
    let mut s = s;
    let mem = 1;
    if let Posture::Member { initial, .. } =
        &mut std::sync::Arc::make_mut(&mut s.states)[mem].posture
    {
        *initial = Stocks {
            border: 0.0,
            intel: 0.0,
            readiness: 0.0,
        };
    }
    let d = Defences::compute(&s);
    let m = &s.model;
    let budget = 10.0;
    let s_star = m.budget_to_border * 0.5 * budget / 0.05;
    let i_star = m.budget_to_intel * 0.3 * budget / 0.02;
    let k = (-1.0f64 / 12.0).exp2();
    let c = 1.0 - (-m.budget_to_readiness * 0.2 * budget).exp();
    let r_star = c / (1.0 - k + c);
    for t in [0u32, 1, 7, 40] {
        let n = t as i32 + 1;
        let st = d.stock(t, mem);
        assert!(
            close(st.border, s_star * (1.0 - 0.95f64.powi(n))),
            "S week {t}"
        );
        assert!(
            close(st.intel, i_star * (1.0 - 0.98f64.powi(n))),
            "I week {t}"
        );
        assert!(
            close(st.readiness, r_star * (1.0 - (k - c).powi(n))),
            "R week {t}"
        );
    }
    // A non-member's stocks are its capabilities, every week.
    let src = d.stock(30, 0);
    assert!(src.border == 10.0 && src.intel == 0.0 && src.readiness == 0.0);
}

#[test]
fn the_weekly_tables_follow_the_stocks() {
    // q = q_min + (q_max - q_min) R; μ-part = μ0 e (1 + φ R) for members, 0
    // otherwise; exposure factor exp(-ν e); the means of readiness and
    // intelligence effect are unweighted over the members only.
    let s = three_states(
        "[model]\ninterdict_min = 0.3\ninterdict_max = 0.7\ninterdiction_hazard = 0.2\ninterdiction_readiness_gain = 0.6\nsignature_rate = 0.4\n[alliance]\nintel_sharing = 0.5\n",
    );
    let d = Defences::compute(&s);
    for t in [0u32, 11, 59] {
        for i in 0..4 {
            let (r, e) = (d.stock(t, i).readiness, d.effect(t, i));
            assert!(close(d.interdict(t, i), 0.3 + 0.4 * r), "q, state {i}");
            let member = i == 1 || i == 2;
            let mu = if member {
                0.2 * e * (1.0 + 0.6 * r)
            } else {
                0.0
            };
            assert!(close(d.interior_hazard(t, i), mu), "μ, state {i}");
            assert!(
                close(d.exposure(t, i), (-0.4 * e).exp()),
                "exposure, state {i}"
            );
        }
        let (r1, r2) = (d.stock(t, 1).readiness, d.stock(t, 2).readiness);
        assert!(close(d.readiness_mean[t as usize], (r1 + r2) / 2.0));
        let (e1, e2) = (d.effect(t, 1), d.effect(t, 2));
        assert!(close(d.intel_effect_mean[t as usize], (e1 + e2) / 2.0));
        assert!(d.effect(t, 1) > 0.0 && d.stock(t, 1).readiness > 0.0);
    }
}

#[test]
fn a_partner_guarding_its_side_helps_a_member_by_partner_cooperation() {
    // PAR_A>MEM_A: E = E_{e,MEM} + c E_{e,PAR}, c = ψ σ_p min(R_u, R_v) p_member.
    let s = three_states("[alliance]\npartner_cooperation = 0.5\n[model]\npooling = 0.8\n");
    let d = Defences::compute(&s);
    let m = &s.model;
    let t = 20;
    let (mem, par) = (*d.stock(t, 1), *d.stock(t, 3));
    let c = 0.8 * 0.5 * mem.readiness.min(par.readiness) * 0.8;
    let e = mem.border * 200.0 / 900.0 + c * par.border;
    let want = 1.0 - (-m.detection_scale * 1.2 * e / (0.8 * 200.0)).exp();
    assert!(close(d.patrol(t, 5), want), "{} vs {want}", d.patrol(t, 5));
    // ALLY_A>MEM_A: two members, c = ψ min(R) min(p).
    let ally = *d.stock(t, 2);
    let c = 0.8 * mem.readiness.min(ally.readiness) * 0.8;
    let e = mem.border * 600.0 / 900.0 + c * ally.border;
    let want = 1.0 - (-m.detection_scale * e / 300.0).exp();
    assert!(close(d.patrol(t, 3), want), "{} vs {want}", d.patrol(t, 3));
    // Without partner cooperation a partner adds nothing.
    let s = three_states("[model]\npooling = 0.8\n");
    let d = Defences::compute(&s);
    let e = d.stock(t, 1).border * 200.0 / 900.0;
    let want = 1.0 - (-m.detection_scale * 1.2 * e / (0.8 * 200.0)).exp();
    assert!(close(d.patrol(t, 5), want));
}
