//! `goldspan convert`: lossless formats round-trip the corpus byte for byte; lossy ones say
//! what they dropped; bad input names file, line and document.

use super::{goldspan, stdout};

fn same_tree(a: &std::path::Path, b: &std::path::Path) {
    for entry in std::fs::read_dir(a.join("docs")).expect("docs") {
        let name = entry.expect("entry").file_name();
        let left = std::fs::read(a.join("docs").join(&name)).expect("left");
        let right = std::fs::read(b.join("docs").join(&name)).unwrap_or_default();
        assert!(left == right, "{name:?} differs");
    }
}

#[test]
fn gold_to_brat_and_back_is_lossless() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (brat, back) = (dir.path().join("brat"), dir.path().join("back"));
    let tiny = goldspan_tests::tiny_corpus();
    let out =
        goldspan().args(["convert", "--from", "gold", "--to", "brat"]).arg(&tiny).arg(&brat).output().expect("run");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout(&out).contains("note: splits (dev, test): brat has no splits"), "{}", stdout(&out));
    let conf = std::fs::read_to_string(brat.join("annotation.conf")).expect("conf");
    assert!(
        conf.contains("!quotes\n\tQuote\n\tCue\n\tSource\n") && conf.contains("speaker\tArg1:Quote, Arg2:Source\n"),
        "{conf}"
    );
    let out =
        goldspan().args(["convert", "--from", "brat", "--to", "gold"]).arg(&brat).arg(&back).output().expect("run");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    same_tree(&tiny, &back);
}

#[test]
fn gold_to_jsonl_and_back_is_lossless() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (file, back) = (dir.path().join("gold.jsonl"), dir.path().join("back"));
    let tiny = goldspan_tests::tiny_corpus();
    let out =
        goldspan().args(["convert", "--from", "gold", "--to", "jsonl"]).arg(&tiny).arg(&file).output().expect("run");
    assert!(out.status.success());
    assert_eq!(std::fs::read_to_string(&file).expect("jsonl").lines().count(), 3);
    let out = goldspan()
        .args(["convert", "--from", "jsonl", "--to", "gold", "--manifest", "tests/fixtures/tiny/goldspan.toml"])
        .arg(&file)
        .arg(&back)
        .output()
        .expect("run");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    same_tree(&tiny, &back);
}

#[test]
fn conll_output_says_what_it_dropped() {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("tiny.conll");
    let out = goldspan()
        .args(["convert", "--from", "gold", "--to", "conll", "--scheme", "bioes", "tests/fixtures/tiny"])
        .arg(&file)
        .output()
        .expect("run");
    assert!(out.status.success());
    let s = stdout(&out);
    assert!(s.contains("document b: 4 relations dropped"), "{s}");
    let conll = std::fs::read_to_string(&file).expect("conll");
    assert!(conll.contains("Zoë B-PERSON\nBrandt E-PERSON\n") && conll.contains("Kyoto S-GPE\n"), "{conll}");
}

#[test]
fn doccano_utf16_offsets_land_on_code_points() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (input, output) = (dir.path().join("in.jsonl"), dir.path().join("out.jsonl"));
    // "😀 Zoë" : the emoji is two UTF-16 units, so doccano puts "Zoë" at 3..6; goldspan at 2..5.
    std::fs::write(&input, "{\"id\": \"d1\", \"text\": \"😀 Zoë\", \"label\": [[3, 6, \"PERSON\"]]}\n").expect("write");
    let out = goldspan()
        .args(["convert", "--from", "doccano", "--to", "jsonl"])
        .arg(&input)
        .arg(&output)
        .output()
        .expect("run");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let line = std::fs::read_to_string(&output).expect("out");
    assert!(line.contains("\"start\":2,\"end\":5,\"text\":\"Zoë\""), "{line}");
}

#[test]
fn bad_input_names_file_line_and_document() {
    let dir = tempfile::tempdir().expect("temp dir");
    let input = dir.path().join("in.jsonl");
    std::fs::write(
        &input,
        "{\"text\": \"ok\", \"ents\": []}\n{\"id\": \"x2\", \"text\": \"abc\", \"ents\": [[1, 9, \"ORG\"]]}\n",
    )
    .expect("write");
    let out = goldspan()
        .args(["convert", "--from", "spacy", "--to", "jsonl"])
        .arg(&input)
        .arg(dir.path().join("o.jsonl"))
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("in.jsonl:2: document x2"), "{err}");
    assert!(!dir.path().join("o.jsonl").exists(), "nothing is written on bad input");
}

/// The Label Studio export of `tests/fixtures/labelstudio` (emoji before spans, region ids like
/// `qT0bV9mYk1`, an unlabeled relation, two annotators on task 2, a cancelled annotation).
fn label_studio_export() -> std::path::PathBuf {
    goldspan_tests::repo().join("tests/fixtures/labelstudio/export.json")
}

#[test]
fn labelstudio_export_converts_to_gold_that_validates() {
    let dir = tempfile::tempdir().expect("temp dir");
    let gold = dir.path().join("gold");
    let out = goldspan()
        .args(["convert", "--from", "labelstudio", "--to", "gold", "--manifest", "corpus/news/goldspan.toml"])
        .arg(label_studio_export())
        .arg(&gold)
        .output()
        .expect("run");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let s = stdout(&out);
    assert!(s.contains("converted 5 document(s) from labelstudio to gold"), "{s}");
    for note in [
        "note (reading): 1 cancelled annotation left out (tasks 2)",
        "note (reading): 1 task with several annotations read as one document each, ID.1, ID.2, ... (2)",
        "note (reading): 1 relation without a label typed \"speaker\", the manifest's one type that fits",
    ] {
        assert!(s.contains(note), "{note:?} not in {s}");
    }
    let ann = std::fs::read_to_string(gold.join("docs/1.ann")).expect("1.ann");
    for line in [
        "T1\tQuote 11 26\tWe will deliver",
        "T2\tSource 29 38\tLiz Truss",
        "R1\tspeaker Arg1:T1 Arg2:T2",
        "R2\tcue Arg1:T1 Arg2:T3",
        "#1\tLabelStudioId T1\tqT0bV9mYk1",
    ] {
        assert!(ann.lines().any(|l| l == line), "{line:?} not in {ann}");
    }
    let meta = std::fs::read_to_string(gold.join("docs/2.2.meta.toml")).expect("2.2 meta");
    assert!(meta.contains("annotator = \"2\""), "{meta}");
    let out = goldspan().arg("validate").arg(&gold).output().expect("run");
    assert!(out.status.success(), "{}{}", stdout(&out), String::from_utf8_lossy(&out.stderr));
}

#[test]
fn labelstudio_annotators_feed_agree() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (a, b) = (dir.path().join("ann.jsonl"), dir.path().join("bob.jsonl"));
    for (who, path) in [("ann@example.com", &a), ("2", &b)] {
        let out = goldspan()
            .args(["convert", "--from", "labelstudio", "--to", "jsonl", "--manifest", "corpus/news/goldspan.toml"])
            .args(["--annotator", who])
            .arg(label_studio_export())
            .arg(path)
            .output()
            .expect("run");
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    }
    let out = goldspan().arg("agree").arg(&a).arg(&b).args(["--format", "json"]).output().expect("run");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let json = super::valid_json("agreement", &stdout(&out));
    // Both annotated task 2 only. Ann: PERSON Zoë Brandt, PERSON 李雷, GPE Kyoto, DATE Monday;
    // Bob: PERSON Zoë Brandt, ORG 李雷, GPE Kyoto. Two agree: F1 = 2·2 / (4 + 3) = 4/7.
    let f1 = json["layers"]["entities"]["strict"]["f1"].as_f64().expect("f1");
    assert!((f1 - 4.0 / 7.0).abs() < 1e-12, "{json}");
}

#[test]
fn labelstudio_unlabeled_relation_without_a_manifest_asks_for_relation_label() {
    let dir = tempfile::tempdir().expect("temp dir");
    let output = dir.path().join("out.jsonl");
    let out = goldspan()
        .args(["convert", "--from", "labelstudio", "--to", "jsonl"])
        .arg(label_studio_export())
        .arg(&output)
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("export.json:2: document 1: relation qT0bV9mYk1 -> s8Hn2LpQx3 (Quote -> Source) has no label")
            && err.contains("--relation-label TYPE"),
        "{err}"
    );
    let out = goldspan()
        .args(["convert", "--from", "labelstudio", "--to", "jsonl", "--relation-label", "speaker"])
        .args(["--annotation", "latest"])
        .arg(label_studio_export())
        .arg(&output)
        .output()
        .expect("run");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let written = std::fs::read_to_string(&output).expect("out");
    assert!(written.contains("{\"id\":\"R1\",\"type\":\"speaker\",\"head\":\"T1\",\"tail\":\"T2\"}"), "{written}");
    assert_eq!(written.lines().filter(|l| l.contains("\"id\":\"2\"")).count(), 1, "latest: one document for task 2");
    let out = goldspan()
        .args(["convert", "--from", "labelstudio", "--to", "jsonl", "--annotation", "0"])
        .arg(label_studio_export())
        .arg(&output)
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("expected all, first, latest or a number from 1"));
}

#[test]
fn labelstudio_to_gold_to_labelstudio_keeps_region_ids() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (gold, back) = (dir.path().join("gold"), dir.path().join("back.json"));
    let manifest = ["--manifest", "corpus/news/goldspan.toml"];
    let out = goldspan()
        .args(["convert", "--from", "labelstudio", "--to", "gold"])
        .args(manifest)
        .arg(label_studio_export())
        .arg(&gold)
        .output()
        .expect("run");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let out = goldspan()
        .args(["convert", "--from", "gold", "--to", "labelstudio"])
        .arg(&gold)
        .arg(&back)
        .output()
        .expect("run");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let written = std::fs::read_to_string(&back).expect("back");
    assert!(
        written.contains("{\"id\":\"qT0bV9mYk1\",\"type\":\"labels\",\"from_name\":\"label\",\"to_name\":\"text\",\"value\":{\"start\":11,\"end\":26,\"text\":\"We will deliver\",\"labels\":[\"Quote\"]}}"),
        "{written}"
    );
    assert!(written.contains("{\"type\":\"relation\",\"from_id\":\"qT0bV9mYk1\",\"to_id\":\"s8Hn2LpQx3\",\"direction\":\"right\",\"labels\":[\"speaker\"]}"), "{written}");
    let again = dir.path().join("again");
    let out = goldspan()
        .args(["convert", "--from", "labelstudio", "--to", "gold"])
        .args(manifest)
        .arg(&back)
        .arg(&again)
        .output()
        .expect("run");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(
        stdout(&out).contains("note (reading): the file has no annotations: its predictions were read"),
        "{}",
        stdout(&out)
    );
    same_tree(&gold, &again);
}

/// Regression: a `.spacy` file used to be read as text ("invalid UTF-8 at byte 1").
#[test]
fn docbin_written_by_spacy_converts_and_notes_what_was_left_out() {
    let dir = tempfile::tempdir().expect("temp dir");
    let output = dir.path().join("out.jsonl");
    let input = goldspan_tests::repo().join("tests/fixtures/spacy/spacy-made.spacy");
    let out = goldspan()
        .args(["convert", "--from", "docbin", "--to", "jsonl"])
        .arg(&input)
        .arg(&output)
        .output()
        .expect("run");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let shown = stdout(&out);
    assert!(shown.contains("converted 5 document(s) from docbin to jsonl"), "{shown}");
    assert!(
        shown.contains(
            "note (reading): 3 tokens without entity annotation (ENT_IOB missing), read as outside every entity"
        ),
        "{shown}"
    );
    let written = std::fs::read_to_string(&output).expect("read");
    assert!(
        written.contains(r#"{"id":"T4","layer":"entities","label":"PERSON","start":25,"end":34,"text":"Liz Truss"}"#),
        "{written}"
    );
}

#[test]
fn a_file_that_is_not_a_docbin_is_an_input_error() {
    let dir = tempfile::tempdir().expect("temp dir");
    let input = dir.path().join("in.spacy");
    std::fs::write(&input, "{\"text\": \"ok\"}\n").expect("write");
    let out = goldspan()
        .args(["convert", "--from", "docbin", "--to", "jsonl"])
        .arg(&input)
        .arg(dir.path().join("o.jsonl"))
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("in.spacy: not a spaCy DocBin: the file is not a zlib stream"), "{err}");
}

#[test]
fn gold_through_docbin_keeps_every_span_and_reports_relations() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (bin, direct, back) =
        (dir.path().join("tiny.spacy"), dir.path().join("direct.jsonl"), dir.path().join("back.jsonl"));
    let tiny = goldspan_tests::tiny_corpus();
    let out =
        goldspan().args(["convert", "--from", "gold", "--to", "docbin"]).arg(&tiny).arg(&bin).output().expect("run");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout(&out).contains("relations dropped (the format cannot hold them)"), "{}", stdout(&out));
    let out =
        goldspan().args(["convert", "--from", "gold", "--to", "jsonl"]).arg(&tiny).arg(&direct).output().expect("run");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let manifest = tiny.join("goldspan.toml");
    let out = goldspan()
        .args(["convert", "--from", "docbin", "--to", "jsonl", "--manifest"])
        .arg(&manifest)
        .arg(&bin)
        .arg(&back)
        .output()
        .expect("run");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    // Span ids are not kept; compare each document's (layer, label, start, end, text).
    let spans = |path: &std::path::Path| -> Vec<(String, Vec<String>)> {
        let text = std::fs::read_to_string(path).expect("read");
        text.lines()
            .map(|line| {
                let record: serde_json::Value = serde_json::from_str(line).expect("json");
                let mut spans: Vec<String> = record["spans"]
                    .as_array()
                    .expect("spans")
                    .iter()
                    .map(|s| format!("{} {} {} {} {}", s["layer"], s["label"], s["start"], s["end"], s["text"]))
                    .collect();
                spans.sort();
                (record["id"].as_str().expect("id").to_owned(), spans)
            })
            .collect()
    };
    let expected = spans(&direct);
    assert!(expected.iter().map(|(_, s)| s.len()).sum::<usize>() > 10, "the tiny corpus has spans");
    assert_eq!(spans(&back), expected);
}

fn run(args: &[&str], paths: &[&std::path::Path]) -> std::process::Output {
    goldspan().args(args).args(paths).output().expect("run")
}

fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn gold_written_with_another_corpus_manifest_validates() {
    // Before: the news corpus's name, licence and 120-document splits were copied, and
    // `validate` failed on every split entry of a document that was not converted.
    let dir = tempfile::tempdir().expect("temp dir");
    let (file, corpus) = (dir.path().join("tiny.jsonl"), dir.path().join("mine"));
    let out = run(&["convert", "--from", "gold", "--to", "jsonl"], &[&goldspan_tests::tiny_corpus(), &file]);
    assert!(out.status.success(), "{}", stderr(&out));
    let out = run(
        &["convert", "--from", "jsonl", "--to", "gold", "--manifest", "corpus/news/goldspan.toml"],
        &[&file, &corpus],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let s = stdout(&out);
    assert!(s.contains("note (reading): the manifest's splits list 120 document(s) that were not read"), "{s}");
    assert!(s.contains("3 document(s) without a split were put in split \"all\""), "{s}");
    assert!(s.contains("the corpus is named \"mine\" after the output directory"), "{s}");
    let toml = std::fs::read_to_string(corpus.join("goldspan.toml")).expect("manifest");
    assert!(toml.starts_with("format = 1\nname = \"mine\"\n\n[[layers]]\nname = \"entities\""), "{toml}");
    assert!(toml.contains("[splits]\nall = [\n  \"a\",\n  \"b\",\n  \"c\",\n]\n"), "{toml}");
    assert!(!toml.contains("licence") && !toml.contains("dev = ["), "{toml}");
    let out = run(&["validate"], &[&corpus]);
    assert!(out.status.success(), "{}{}", stdout(&out), stderr(&out));
}

#[test]
fn brat_input_takes_its_layers_from_the_manifest() {
    // Before: --manifest was ignored for brat; every label went to one layer "entities".
    let dir = tempfile::tempdir().expect("temp dir");
    let brat = dir.path().join("brat");
    std::fs::create_dir_all(&brat).expect("mkdir");
    std::fs::write(brat.join("d.txt"), "Zoë said: “Yes.”").expect("write");
    let ann = "T1\tPERSON 0 3\tZoë\nT2\tSource 0 3\tZoë\nT3\tCue 4 8\tsaid\nT4\tQuote 11 15\tYes.\n\
               R1\tspeaker Arg1:T4 Arg2:T2\nR2\tcue Arg1:T4 Arg2:T3\n";
    std::fs::write(brat.join("d.ann"), ann).expect("write");
    let file = dir.path().join("d.jsonl");
    let out = run(
        &["convert", "--from", "brat", "--to", "jsonl", "--manifest", "tests/fixtures/tiny/goldspan.toml"],
        &[&brat, &file],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let line = std::fs::read_to_string(&file).expect("jsonl");
    assert!(line.contains(r#""layer":"entities","label":"PERSON""#), "{line}");
    assert!(line.contains(r#""layer":"quotes","label":"Quote""#), "{line}");
}

#[test]
fn brat_collections_in_sub_folders_need_recursive() {
    // Before: "converted 0 document(s)" and exit 0.
    let dir = tempfile::tempdir().expect("temp dir");
    let (brat, out_dir) = (dir.path().join("brat"), dir.path().join("out"));
    for (folder, text) in [("train", "Ana ran."), ("dev", "Bo sat.")] {
        std::fs::create_dir_all(brat.join(folder)).expect("mkdir");
        std::fs::write(brat.join(folder).join("x.txt"), text).expect("write");
        std::fs::write(brat.join(folder).join("x.ann"), format!("T1\tPER 0 2\t{}\n", &text[..2])).expect("write");
    }
    let out = run(&["convert", "--from", "brat", "--to", "gold"], &[&brat, &out_dir]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("2 sub-folder(s) hold some (dev/, train/); read them with --recursive"),
        "{}",
        stderr(&out)
    );
    let out = run(&["convert", "--from", "brat", "--to", "gold", "--recursive"], &[&brat, &out_dir]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).starts_with("converted 2 document(s)"), "{}", stdout(&out));
    assert!(out_dir.join("docs/dev_x.ann").exists() && out_dir.join("docs/train_x.ann").exists());
    let out = run(&["validate"], &[&out_dir]);
    assert!(out.status.success(), "{}", stdout(&out));
    let out = run(&["convert", "--from", "gold", "--to", "jsonl", "--recursive"], &[&out_dir, &dir.path().join("o")]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("it does not apply to gold"), "{}", stderr(&out));
}

#[test]
fn a_brat_collection_with_events_and_normalisations_converts_to_gold_and_back() {
    // tests/fixtures/brat/lenient: its README cites the brat format facts each line uses.
    let dir = tempfile::tempdir().expect("temp dir");
    let (gold, brat) = (dir.path().join("gold"), dir.path().join("brat"));
    let fixture = goldspan_tests::repo().join("tests/fixtures/brat/lenient");
    let out = run(&["convert", "--from", "brat", "--to", "gold"], &[&fixture, &gold]);
    assert!(out.status.success(), "{}", stderr(&out));
    let s = stdout(&out);
    assert!(s.contains("note (reading): 3 event(s) (E lines) dropped"), "{s}");
    let out = run(&["validate"], &[&gold]);
    assert!(out.status.success(), "{}{}", stdout(&out), stderr(&out));
    let out = run(&["convert", "--from", "gold", "--to", "brat"], &[&gold, &brat]);
    assert!(out.status.success(), "{}", stderr(&out));
    let ann = std::fs::read_to_string(brat.join("ruiz.ann")).expect("ann");
    let expected = "T1\tPerson 0 3;4 8\tAna Ruiz\nT2\tGPE 23 28\tPorto\nT4\tGPE 35 43\tthe city\n\
                    T6\tOrganization 67 79\tVolta Motors\nT7\tMoney 84 95\t€12 million\nT8\tPerson 97 101\tRuiz\n\
                    T10\tOrganization 107 112\tVolta\nT11\tDate 134 137\tMay\nT12\tTitle 14 19\tmayor\n\
                    R1\tLocated Arg1:T6 Arg2:T2\nR3\tSupplier Arg1:T4 Arg2:T10\nR4\tHolds Arg1:T1 Arg2:T12\n\
                    *\tCoref T1 T8\n*\tCoref T6 T10\n*\tCoref T2 T4\n\
                    A2\tIncumbent T1\nN1\tReference T6 Wikidata:Q0000001\nN2\tReference T2 GeoNames:0000001\n\
                    #1\tAnnotatorNotes T7\tcurrency as printed\n";
    assert_eq!(ann, expected);
    let conf = std::fs::read_to_string(brat.join("annotation.conf")).expect("conf");
    assert!(conf.contains("!Participant\n\tPerson\n\tOrganization\n\tTitle\n!Place\n\tGPE\n\tFacility\n"), "{conf}");
    assert!(conf.contains("\n[attributes]\nIncumbent\tArg:<ENTITY>\n"), "{conf}");
}

/// CoNLL → CoNLL in another scheme keeps every token (`O'Gorman`, `U.S.`, `$5.2`, and `New
/// York`, which holds a space and so makes the output tab-separated).
#[test]
fn conll_to_conll_keeps_tokens_in_another_scheme() {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("bilou.conll");
    let out = goldspan()
        .args(["convert", "--from", "conll", "--to", "conll", "--scheme", "iob2", "--to-scheme", "bilou"])
        .arg("tests/fixtures/conll/tokens.tsv")
        .arg(&file)
        .output()
        .expect("run");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let written = std::fs::read_to_string(&file).expect("conll");
    assert_eq!(
        written,
        "-DOCSTART-\n\n# id = tokens-0001\nO'Gorman\tU-PERSON\npaid\tO\n$5.2\tB-MONEY\nmillion\tL-MONEY\nto\tO\nthe\tO\nU.S.\tU-GPE\nTreasury\tU-ORG\nin\tO\nNew York\tB-GPE\nCity\tL-GPE\n.\tO\n\n"
    );
}

/// The BIOES fixture converted to IOB1 is the IOB1 fixture, tagged by hand (after the
/// document header the writer adds).
#[test]
fn bioes_to_iob1_gives_the_hand_tagged_iob1_file() {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("iob1.conll");
    let out = goldspan()
        .args(["convert", "--from", "conll", "--to", "conll", "--scheme", "bioes", "--to-scheme", "IOB1"])
        .arg("tests/fixtures/conll/schemes/bioes.txt")
        .arg(&file)
        .output()
        .expect("run");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let hand =
        std::fs::read_to_string(goldspan_tests::repo().join("tests/fixtures/conll/schemes/iob1.txt")).expect("iob1");
    let written = std::fs::read_to_string(&file).expect("conll");
    assert_eq!(written, format!("-DOCSTART-\n\n# id = bioes-0001\n{hand}\n"));
}

/// Old behaviour: GermEval's token numbers were read as tokens and its inner column as the
/// tags, exit 0. Now the defaults are refused, naming file, line and what to pass.
#[test]
fn germeval_with_default_columns_is_refused_with_advice() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = goldspan()
        .args(["convert", "--from", "conll", "--to", "jsonl", "tests/fixtures/conll/germeval.tsv"])
        .arg(dir.path().join("out.jsonl"))
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("germeval.tsv:2: column 1 holds token numbers") && err.contains("--token-column 2"), "{err}");
    let out = goldspan()
        .args(["convert", "--from", "conll", "--to", "jsonl", "--token-column", "2", "--tag-column", "-2"])
        .arg("tests/fixtures/conll/germeval.tsv")
        .arg(dir.path().join("out.jsonl"))
        .output()
        .expect("run");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout(&out).contains("note (reading): 2 comment lines starting with # skipped"), "{}", stdout(&out));
}

/// Prodigy db-out records (ner_manual): "tokens" {text, start, end, id, ws}, "spans" {start,
/// end, token_start, token_end (inclusive), label}, "meta", "answer" accept/reject/ignore;
/// code-point offsets. The second record is rejected.
const PRODIGY: &str = r#"{"text":"😀 Zoë met Liz.","tokens":[{"text":"😀","start":0,"end":1,"id":0,"ws":true},{"text":"Zoë","start":2,"end":5,"id":1,"ws":true},{"text":"met","start":6,"end":9,"id":2,"ws":true},{"text":"Liz","start":10,"end":13,"id":3,"ws":false},{"text":".","start":13,"end":14,"id":4,"ws":false}],"spans":[{"start":2,"end":5,"token_start":1,"token_end":1,"label":"PERSON"},{"start":10,"end":13,"token_start":3,"token_end":3,"label":"PERSON"}],"meta":{"id":"p1","source":"wire"},"_view_id":"ner_manual","answer":"accept"}
{"text":"Paris","tokens":[{"text":"Paris","start":0,"end":5,"id":0,"ws":false}],"spans":[{"start":0,"end":5,"token_start":0,"token_end":0,"label":"PERSON"}],"meta":{"id":"p2"},"_view_id":"ner_manual","answer":"reject"}
"#;

#[test]
fn prodigy_reads_accepted_answers_and_says_what_it_skipped() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (input, output) = (dir.path().join("db-out.jsonl"), dir.path().join("out.jsonl"));
    std::fs::write(&input, PRODIGY).expect("write");
    let out = goldspan()
        .args(["convert", "--from", "prodigy", "--to", "jsonl"])
        .arg(&input)
        .arg(&output)
        .output()
        .expect("run");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let s = stdout(&out);
    assert!(s.starts_with("converted 1 document(s) from prodigy to jsonl"), "{s}");
    assert!(s.contains("note (reading): only accepted answers were read: 1 record answered \"reject\" skipped"), "{s}");
    let written = std::fs::read_to_string(&output).expect("out");
    assert!(written.contains("\"id\":\"p1\""), "{written}");
    assert!(
        written.contains("\"start\":2,\"end\":5,\"text\":\"Zoë\"")
            && written.contains("\"start\":10,\"end\":13,\"text\":\"Liz\""),
        "{written}"
    );

    let out = goldspan()
        .args(["convert", "--from", "prodigy", "--to", "jsonl", "--answers", "all", "--force"])
        .arg(&input)
        .arg(&output)
        .output()
        .expect("run");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let written = std::fs::read_to_string(&output).expect("out");
    assert!(written.contains("\"id\":\"p2\"") && written.contains("\"answer\":\"reject\""), "{written}");
}

#[test]
fn prodigy_read_as_spacy_is_an_error_not_zero_spans() {
    let dir = tempfile::tempdir().expect("temp dir");
    let input = dir.path().join("db-out.jsonl");
    std::fs::write(&input, PRODIGY).expect("write");
    let out = goldspan()
        .args(["convert", "--from", "spacy", "--to", "jsonl"])
        .arg(&input)
        .arg(dir.path().join("o.jsonl"))
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    // spaCy's own "spans" are span groups (an object): the list is refused, not read as empty.
    assert!(err.contains("db-out.jsonl:1: document") && err.contains("\"spans\""), "{err}");
}

#[test]
fn doccano_1x_label_ids_are_named_by_the_label_export() {
    // doccano 1.0 to 1.2 export (JSONPainter): "annotations" with numeric label ids and
    // code-point offsets; the label export is a list of {id, text, prefix_key, suffix_key,
    // background_color, text_color}.
    let dir = tempfile::tempdir().expect("temp dir");
    let (input, labels, output) =
        (dir.path().join("export.jsonl"), dir.path().join("project_1_labels.json"), dir.path().join("out.jsonl"));
    std::fs::write(
        &input,
        r#"{"id": 5, "text": "😀 Zoë", "annotations": [{"label": 7, "start_offset": 2, "end_offset": 5, "user": 1}], "meta": {}, "annotation_approver": null}"#,
    )
    .expect("write");
    std::fs::write(
        &labels,
        r##"[{"id": 7, "text": "PERSON", "prefix_key": null, "suffix_key": "p", "background_color": "#209cee", "text_color": "#ffffff"}]"##,
    )
    .expect("write");
    let run = |with_labels: bool| {
        let mut cmd = goldspan();
        cmd.args(["convert", "--from", "doccano", "--to", "jsonl"]).arg(&input).arg(&output);
        if with_labels {
            cmd.arg("--labels").arg(&labels);
        }
        cmd.output().expect("run")
    };
    let out = run(false);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("export.jsonl:1: document 5") && err.contains("--labels"), "{err}");
    let out = run(true);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let written = std::fs::read_to_string(&output).expect("out");
    assert!(written.contains("\"label\":\"PERSON\",\"start\":2,\"end\":5,\"text\":\"Zoë\""), "{written}");
    assert!(stdout(&out).contains("note (reading): offsets read as code points"), "{}", stdout(&out));
    assert!(
        stdout(&out).contains("characters before 1 span in 1 document (first: 5) count differently"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn pretty_printed_json_is_one_error_not_one_per_line() {
    let dir = tempfile::tempdir().expect("temp dir");
    let input = dir.path().join("export.jsonl");
    std::fs::write(&input, "{\n  \"text\": \"Paris\",\n  \"label\": [[0, 5, \"GPE\"]]\n}\n").expect("write");
    for from in ["doccano", "jsonl", "prodigy", "spacy"] {
        let out = goldspan()
            .args(["convert", "--from", from, "--to", "jsonl"])
            .arg(&input)
            .arg(dir.path().join("o.jsonl"))
            .output()
            .expect("run");
        assert_eq!(out.status.code(), Some(2), "{from}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("1 problem in the input"), "{from}: {err}");
        assert!(err.contains("export.jsonl:1: this is a JSON document"), "{from}: {err}");
    }
}

/// Regression: an empty input converted "0 document(s)" and exited 0.
#[test]
fn an_input_with_no_documents_is_an_error() {
    let dir = tempfile::tempdir().expect("temp dir");
    let input = dir.path().join("empty.jsonl");
    std::fs::write(&input, "\n\n").expect("write");
    for from in ["jsonl", "spacy", "doccano", "prodigy", "conll"] {
        let out = goldspan()
            .args(["convert", "--from", from, "--to", "jsonl"])
            .arg(&input)
            .arg(dir.path().join("out.jsonl"))
            .output()
            .expect("run");
        assert_eq!(out.status.code(), Some(2), "--from {from}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("empty.jsonl holds no documents"), "--from {from}: {err}");
        assert!(!dir.path().join("out.jsonl").exists(), "--from {from}: nothing is written");
    }
}

/// Every example command of README.md's format table runs, in table order, and converts at
/// least one document (outputs under /tmp go to a temp dir instead).
#[test]
fn readme_format_table_examples_run() {
    let readme = std::fs::read_to_string(goldspan_tests::repo().join("README.md")).expect("README");
    let (_, rest) = readme.split_once("<!-- formats:begin -->").expect("format table start");
    let (table, _) = rest.split_once("<!-- formats:end -->").expect("format table end");
    let dir = tempfile::tempdir().expect("temp dir");
    let tmp = format!("{}/", dir.path().display());
    let mut ran = Vec::new();
    for row in table.lines().filter(|l| l.starts_with("| `")) {
        let cells: Vec<&str> = row.split(" | ").collect();
        let example = cells.last().expect("cells").trim_end_matches(" |").trim().trim_matches('`');
        let words: Vec<String> = example.split_whitespace().map(|w| w.replace("/tmp/", &tmp)).collect();
        assert_eq!(words[0], "goldspan", "{row}");
        let out = goldspan().args(&words[1..]).output().expect("run");
        let shown = stdout(&out);
        assert!(out.status.success(), "{example}\n{shown}{}", String::from_utf8_lossy(&out.stderr));
        let converted: usize = shown
            .strip_prefix("converted ")
            .and_then(|s| s.split_whitespace().next())
            .and_then(|n| n.parse().ok())
            .unwrap_or(0);
        assert!(converted > 0, "{example}: {shown}");
        ran.push(cells[0].trim_start_matches("| ").trim_matches('`').to_owned());
    }
    let expected =
        ["gold", "jsonl", "brat", "conll", "doccano", "labelstudio", "prodigy", "spacy", "docbin", "llm-json"];
    assert_eq!(ran, expected, "one example per format");
}

/// `--offset-unit` was accepted by every reader and silently ignored by those counting one
/// unit only: a brat file with UTF-16 offsets failed the same way with `--offset-unit utf16`
/// as without. It is now honoured (the annotation tools' JSON) or refused, naming the unit the
/// format counts, in `convert` and in `score --pred-format` alike.
#[test]
fn offset_unit_is_honoured_or_refused_for_every_format() {
    let dir = tempfile::tempdir().expect("temp dir");
    // doccano honours it: "😀 Zoë" with Zoë at 2..5 in code points reads with the override.
    let doccano = dir.path().join("doccano.jsonl");
    std::fs::write(&doccano, r#"{"id": 1, "text": "😀 Zoë", "label": [[2, 5, "PERSON"]]}"#).expect("write");
    let out = goldspan()
        .args(["convert", "--from", "doccano", "--to", "jsonl", "--offset-unit", "codepoint"])
        .arg(&doccano)
        .arg(dir.path().join("d.jsonl"))
        .output()
        .expect("run");
    assert!(out.status.success(), "{}", stderr(&out));
    let written = std::fs::read_to_string(dir.path().join("d.jsonl")).expect("out");
    assert!(written.contains("\"start\":2,\"end\":5,\"text\":\"Zoë\""), "{written}");
    // brat, gold, jsonl, conll and docbin refuse it, saying what they count.
    let refused = [
        ("brat", "tests/fixtures/brat/lenient", "brat counts code points"),
        ("gold", "tests/fixtures/tiny", "gold counts code points"),
        ("jsonl", "tests/fixtures/tiny-pred.jsonl", "jsonl counts code points"),
        ("conll", "tests/fixtures/conll/conll2003.txt", "conll has no character offsets"),
    ];
    for (from, input, says) in refused {
        let out = goldspan()
            .args(["convert", "--from", from, "--to", "jsonl", "--offset-unit", "utf16", input])
            .arg(dir.path().join(format!("{from}.jsonl")))
            .output()
            .expect("run");
        assert_eq!(out.status.code(), Some(2), "{from}");
        let err = stderr(&out);
        assert!(err.contains(&format!("--offset-unit utf16 does not apply to {from}: {says}")), "{err}");
        assert!(err.contains("it applies to doccano, labelstudio, spacy, prodigy"), "{err}");
    }
    let out = goldspan()
        .args(["score", "--gold", "tests/fixtures/tiny", "--pred", "tests/fixtures/tiny-pred.jsonl"])
        .args(["--offset-unit", "utf16"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("--offset-unit utf16 does not apply to jsonl"), "{}", stderr(&out));
}
