//! `goldspan agree`: numbers checked by hand on the tiny corpus against a copy with one label
//! changed.

use super::{copy_corpus, goldspan, stdout, valid_json};

#[test]
fn one_relabelled_entity_by_hand() {
    let (_dir, root) = copy_corpus(&goldspan_tests::tiny_corpus());
    let ann = root.join("docs/c.ann");
    let text = std::fs::read_to_string(&ann).expect("read");
    std::fs::write(&ann, text.replace("T2\tORG 22 37", "T2\tGPE 22 37")).expect("write");
    let out =
        goldspan().args(["agree", "tests/fixtures/tiny"]).arg(&root).args(["--format", "json"]).output().expect("run");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let json = valid_json("agreement", &stdout(&out));
    let e = &json["layers"]["entities"];
    // 10 entities each; 9 agree exactly; "Bank of England" is ORG in A and GPE in B.
    assert!((e["strict"]["f1"].as_f64().expect("f1") - 0.9).abs() < 1e-12);
    assert!((e["overlap"]["f1"].as_f64().expect("f1") - 0.9).abs() < 1e-12);
    // 46 word tokens; 43 agree. Expected agreement: (PERSON 3·3 + ORG 5·2 + GPE 1·4 + five
    // labels 1·1 + O 32·32) / 46² = 1052/2116, so kappa = (1978 − 1052) / (2116 − 1052).
    assert_eq!(e["tokens"], 46);
    assert!((e["observed_agreement"].as_f64().expect("observed") - 43.0 / 46.0).abs() < 1e-12);
    assert!((e["kappa"].as_f64().expect("kappa") - 926.0 / 1064.0).abs() < 1e-12);
    assert_eq!(json["layers"]["quotes"]["kappa"], 1.0);
    assert_eq!(json["speakers"]["agreement"], 1.0);
}

#[test]
fn different_texts_are_refused() {
    let (_dir, root) = copy_corpus(&goldspan_tests::tiny_corpus());
    std::fs::write(root.join("docs/c.txt"), "A different text entirely, long enough for the spans: 0123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123").expect("write");
    std::fs::write(root.join("docs/c.ann"), "").expect("write");
    let out = goldspan().args(["agree", "tests/fixtures/tiny"]).arg(&root).output().expect("run");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("document c: the two annotation sets have different texts"));
}

#[test]
fn the_agreement_study_meets_its_targets_and_the_readme_shows_it() {
    let out = goldspan()
        .args(["agree", "corpus/news/agreement/first", "corpus/news/agreement/second", "--format", "json"])
        .output()
        .expect("run");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let json = valid_json("agreement", &stdout(&out));
    assert!(json["documents"].as_array().map_or(0, Vec::len) >= 15);
    assert!(json["layers"]["entities"]["strict"]["f1"].as_f64().expect("f1") >= 0.90);
    assert!(json["layers"]["quotes"]["labels"]["Quote"]["overlap"]["f1"].as_f64().expect("f1") >= 0.90);
    let table = goldspan()
        .args(["agree", "corpus/news/agreement/first", "corpus/news/agreement/second", "--format", "markdown"])
        .output()
        .expect("run");
    assert_eq!(super::readme_section("agreement"), stdout(&table).trim_end(), "run tools/update-corpus-readme.sh");
}
