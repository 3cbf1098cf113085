//! Every eval in `evals/` as an insta snapshot test: any change to a built-in extractor's
//! results, however small, shows up as a snapshot diff to review (`cargo insta review`);
//! `goldspan check` (run by the CLI tests) is the tolerance gate over the committed snapshots.

use goldspan_extract::Registry;
use goldspan_runner::eval;

#[test]
fn every_eval_matches_its_insta_snapshot() {
    let evals = eval::load_evals(&goldspan_tests::repo().join("evals"), None).expect("evals load");
    assert!(evals.len() >= 3, "one eval per built-in extractor");
    let registry = Registry::with_builtins();
    for e in evals {
        let outcome = goldspan_runner::run(&registry, &e.run, &|_| {}).expect("eval runs");
        assert!(outcome.failures.is_empty(), "{}: {:?}", e.name, outcome.failures);
        let snapshot = eval::snapshot(&e.name, &eval::results_json(&outcome, &e.run, e.bootstrap));
        insta::assert_json_snapshot!(e.name.clone(), snapshot);
    }
}
