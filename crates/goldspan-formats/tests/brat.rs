//! Reading brat collections as leniently as brat: a hand-written collection that uses events,
//! normalisations, equivalences, role-named relations, out-of-order fragments and a conf with
//! macros, aliases, separators and nested categories (tests/fixtures/brat, whose README and
//! annotation.conf cite the brat format facts each line relies on); collections in
//! sub-folders; `--manifest` in place of annotation.conf; and the round trip through gold.

use std::fs;
use std::path::{Path, PathBuf};

use goldspan_formats::{brat, gold, Collection, Format, ReadOptions, WriteOptions};
use goldspan_model::{Attribute, Error, Layer, Manifest, Note, PerHead, ProblemKind, Relation, RelationType};

fn fixture() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/brat/lenient")
}

fn read(dir: &Path, options: &ReadOptions) -> Collection {
    match brat::read_dir(dir, options) {
        Ok(c) => c,
        Err(e) => panic!("{e}"),
    }
}

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| s.to_string()).collect()
}

/// A span as the tests compare it: id, layer, label, covered text, fragments.
type SpanView = (String, String, String, String, Vec<(usize, usize)>);

/// Every span of the first document.
fn spans(c: &Collection) -> Vec<SpanView> {
    let doc = &c.documents[0];
    doc.annotations
        .spans
        .iter()
        .map(|s| {
            (
                s.id().to_owned(),
                s.layer().to_owned(),
                s.label().to_owned(),
                doc.document.covered_text(s.fragments()).expect("in range"),
                s.fragments().iter().map(|f| (f.start(), f.end())).collect(),
            )
        })
        .collect()
}

#[test]
fn the_lenient_collection_keeps_what_the_model_holds() {
    let c = read(&fixture(), &ReadOptions::default());
    assert_eq!(c.documents.len(), 1);
    assert_eq!(c.documents[0].document.id(), "ruiz");

    // Layers: the top-level "!" categories, the nested "!Agent" flattened into Participant, the
    // separators no labels, "Person|Per" stored as Person, Money and Date in the default layer.
    let m = c.manifest.as_ref().expect("manifest");
    assert_eq!(m.name, "", "brat has no corpus name; the gold writer names the corpus");
    let layer = |name: &str, labels: &[&str], relations: Vec<RelationType>| Layer {
        name: name.into(),
        labels: strings(labels),
        relations,
    };
    let rel = |name: &str, head: &[&str], tail: &[&str]| RelationType {
        name: name.into(),
        head: strings(head),
        tail: strings(tail),
        per_head: PerHead::Many,
    };
    let every = ["Person", "Organization", "Title", "GPE", "Facility", "Money", "Date"];
    assert_eq!(
        m.layers,
        vec![
            layer(
                "Participant",
                &["Person", "Organization", "Title"],
                vec![
                    rel("Located", &every, &["GPE", "Facility"]),
                    rel("Employment", &["Person"], &["Person", "Organization"]),
                    rel("Holds", &["Person"], &["Title"]),
                ]
            ),
            layer("Place", &["GPE", "Facility"], vec![rel("Supplier", &["GPE"], &["Organization"])]),
            layer("entities", &["Money", "Date"], vec![]),
        ]
    );

    // Spans, with the text they cover: the event triggers T3, T5, T9 are gone; T1's fragments
    // (listed 4 8;0 3, text "Ruiz Ana") are sorted.
    let s = |id: &str, layer: &str, label: &str, text: &str, fragments: &[(usize, usize)]| {
        (id.to_owned(), layer.to_owned(), label.to_owned(), text.to_owned(), fragments.to_vec())
    };
    assert_eq!(
        spans(&c),
        vec![
            s("T1", "Participant", "Person", "Ana Ruiz", &[(0, 3), (4, 8)]),
            s("T2", "Place", "GPE", "Porto", &[(23, 28)]),
            s("T4", "Place", "GPE", "the city", &[(35, 43)]),
            s("T6", "Participant", "Organization", "Volta Motors", &[(67, 79)]),
            s("T7", "entities", "Money", "€12 million", &[(84, 95)]),
            s("T8", "Participant", "Person", "Ruiz", &[(97, 101)]),
            s("T10", "Participant", "Organization", "Volta", &[(107, 112)]),
            s("T11", "entities", "Date", "May", &[(134, 137)]),
            s("T12", "Participant", "Title", "mayor", &[(14, 19)]),
        ]
    );

    let a = &c.documents[0].annotations;
    let r = |id: &str, kind: &str, head: &str, tail: &str| Relation {
        id: id.into(),
        kind: kind.into(),
        head: head.into(),
        tail: tail.into(),
    };
    // R3 lists Vendor before Buyer; annotation.conf declares Buyer first, so Buyer is the head.
    // R2 (Coref) became a cluster; R5 pointed at the trigger T5 and went with it.
    assert_eq!(
        a.relations,
        vec![r("R1", "Located", "T6", "T2"), r("R3", "Supplier", "T4", "T10"), r("R4", "Holds", "T1", "T12")]
    );
    assert_eq!(a.clusters, vec![strings(&["T1", "T8"]), strings(&["T6", "T10"]), strings(&["T2", "T4"])]);
    let attr = |id: &str, name: &str, target: &str, value: Option<&str>| Attribute {
        id: id.into(),
        name: name.into(),
        target: target.into(),
        value: value.map(String::from),
    };
    // A1 was on the event E2; the normalisations keep their N ids and DB:ID values.
    assert_eq!(
        a.attributes,
        vec![
            attr("A2", "Incumbent", "T1", None),
            attr("N1", "Reference", "T6", Some("Wikidata:Q0000001")),
            attr("N2", "Reference", "T2", Some("GeoNames:0000001")),
        ]
    );
    assert_eq!(
        a.notes,
        vec![Note {
            id: "#1".into(),
            kind: "AnnotatorNotes".into(),
            target: "T7".into(),
            text: "currency as printed".into()
        }]
    );

    assert_eq!(
        c.notes,
        strings(&[
            "annotation.conf: argument types that [entities] does not declare were left out of relation type(s) Employment (Union)",
            "annotation.conf: relation type(s) left out: Purpose (no entity type at one of its ends; events are not kept)",
            "3 event(s) (E lines) dropped, goldspan holds no events; with them 3 trigger span(s) and 2 annotation(s) that referred to them",
            "2 normalisation(s) (N lines) name their referent after a second tab; the name is not kept, the line is (TYPE TARGET DB:ID)",
            "2 equivalence line(s) of type Alias, Equiv read as coreference clusters (written back as Coref)",
            "1 relation(s) of type Coref read as coreference clusters",
            "relation type Supplier: role Buyer read as head and Vendor as tail (written back as Arg1 and Arg2)",
            "1 discontinuous span(s) listed their fragments out of order; sorted",
        ])
    );
}

#[test]
fn brat_to_gold_to_brat_keeps_the_model_and_the_gold_validates() {
    let first = read(&fixture(), &ReadOptions::default());
    let dir = tempfile::tempdir().expect("temp dir");
    let (corpus, again) = (dir.path().join("corpus"), dir.path().join("brat"));
    let notes = Format::Gold.write(&corpus, &first, &WriteOptions::default()).expect("write gold");
    assert!(notes.iter().any(|n| n.contains("split \"all\"")), "{notes:?}");
    let problems: Vec<String> = gold::Corpus::validate(&corpus).iter().map(|p| p.to_string()).collect();
    assert!(problems.is_empty(), "{problems:#?}");
    let ann = fs::read_to_string(corpus.join("docs/ruiz.ann")).expect("gold ann");
    assert!(ann.contains("T1\tPerson 0 3;4 8\tAna Ruiz\n"), "{ann}");
    assert!(ann.contains("N1\tReference T6 Wikidata:Q0000001\n"), "{ann}");
    assert!(ann.contains("*\tCoref T6 T10\n"), "{ann}");

    let from_gold = Format::Gold.read(&corpus, &ReadOptions::default()).expect("read gold");
    Format::Brat.write(&again, &from_gold, &WriteOptions::default()).expect("write brat");
    let last = read(&again, &ReadOptions::default());
    assert_eq!(last.documents, first.documents);
    assert_eq!(last.manifest.expect("manifest").layers, first.manifest.expect("manifest").layers);
    assert!(last.notes.is_empty(), "goldspan's own brat output needs no leniency: {:?}", last.notes);
}

fn write(path: &Path, text: &str) {
    fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
    fs::write(path, text).expect("write");
}

/// A collection in sub-folders: `2023/a`, `2024/b`, `2024/extra/c`, with one conf at the top.
fn nested() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    let root = dir.path();
    write(&root.join(brat::CONF), "[entities]\nPerson\n\n[relations]\n[events]\n[attributes]\n");
    write(&root.join("2023/a.txt"), "Ana spoke.");
    write(&root.join("2023/a.ann"), "T1\tPerson 0 3\tAna\n");
    write(&root.join("2024/b.txt"), "Bo wrote.");
    write(&root.join("2024/b.ann"), "T1\tPerson 0 2\tBo\n");
    write(&root.join("2024/extra/c.txt"), "Cy left.");
    write(&root.join("2024/extra/c.ann"), "T1\tPerson 0 2\tCy\n");
    dir
}

#[test]
fn sub_folders_without_recursive_are_an_error_not_zero_documents() {
    let dir = nested();
    let Err(Error::Invalid(problems)) = brat::read_dir(dir.path(), &ReadOptions::default()) else {
        panic!("a folder whose documents are all in sub-folders must not read as empty")
    };
    assert_eq!(problems.len(), 1);
    let message = problems[0].to_string();
    assert!(message.contains("no documents: no .txt files here, but 3 sub-folder(s) hold some"), "{message}");
    assert!(message.contains("2023/, 2024/, 2024/extra/") && message.contains("--recursive"), "{message}");
}

#[test]
fn recursive_reading_names_documents_by_their_sub_folders() {
    let dir = nested();
    let c = read(dir.path(), &ReadOptions { recursive: true, ..ReadOptions::default() });
    let ids: Vec<&str> = c.documents.iter().map(|d| d.document.id()).collect();
    assert_eq!(ids, ["2023_a", "2024_b", "2024_extra_c"]);
    // The conf two folders up applies, as brat searches up the tree.
    let labels: Vec<&str> = c.documents.iter().map(|d| d.annotations.spans[0].label()).collect();
    assert_eq!(labels, ["Person", "Person", "Person"]);
    assert!(c.notes.is_empty(), "{:?}", c.notes);
}

#[test]
fn documents_left_in_sub_folders_are_noted() {
    let dir = nested();
    write(&dir.path().join("top.txt"), "Di sang.");
    write(&dir.path().join("top.ann"), "T1\tPerson 0 2\tDi\n");
    let c = read(dir.path(), &ReadOptions::default());
    assert_eq!(c.documents.len(), 1);
    assert_eq!(
        c.notes,
        ["3 document(s) in sub-folders were not read (2023/, 2024/, 2024/extra/); read them with --recursive"]
    );
}

#[test]
fn two_files_that_make_one_id_are_an_error() {
    let dir = nested();
    write(&dir.path().join("2023_a.txt"), "Ed ran.");
    write(&dir.path().join("2023_a.ann"), "");
    let Err(Error::Invalid(problems)) =
        brat::read_dir(dir.path(), &ReadOptions { recursive: true, ..Default::default() })
    else {
        panic!("an id clash must be reported")
    };
    assert!(matches!(&problems[0].kind, ProblemKind::DocumentIdClash { id, .. } if id == "2023_a"), "{problems:?}");
}

#[test]
fn an_empty_folder_is_an_error() {
    let dir = tempfile::tempdir().expect("temp dir");
    let Err(Error::Invalid(problems)) = brat::read_dir(dir.path(), &ReadOptions::default()) else {
        panic!("reading nothing must not succeed")
    };
    assert!(problems[0].to_string().contains("no documents: no .txt files here"), "{problems:?}");
}

#[test]
fn a_manifest_replaces_annotation_conf() {
    // The news corpus's layers instead of the conf's: Person is not a news label, so the
    // fixture fails against it with one problem kind per undeclared label...
    let news = gold::read_manifest(&PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../corpus/news/goldspan.toml"))
        .expect("news manifest");
    let options = ReadOptions { manifest: Some(news), ..ReadOptions::default() };
    let Err(Error::Invalid(problems)) = brat::read_dir(&fixture(), &options) else {
        panic!("labels are not news labels")
    };
    assert!(
        problems
            .iter()
            .all(|p| matches!(p.kind, ProblemKind::UnknownLabel { .. } | ProblemKind::UnknownRelationType { .. })),
        "{problems:?}"
    );
    // ...and a manifest that declares them puts them in its own layers.
    let people = Manifest {
        name: "mine".into(),
        layers: vec![
            Layer {
                name: "people".into(),
                labels: strings(&["Person", "Title"]),
                relations: vec![RelationType {
                    name: "Holds".into(),
                    head: strings(&["Person"]),
                    tail: strings(&["Title"]),
                    per_head: PerHead::Many,
                }],
            },
            Layer {
                name: "things".into(),
                labels: strings(&["Organization", "GPE", "Money", "Date"]),
                relations: vec![
                    RelationType {
                        name: "Located".into(),
                        head: strings(&["Organization"]),
                        tail: strings(&["GPE"]),
                        per_head: PerHead::AtMostOne,
                    },
                    RelationType {
                        name: "Supplier".into(),
                        head: strings(&["GPE"]),
                        tail: strings(&["Organization"]),
                        per_head: PerHead::Many,
                    },
                ],
            },
        ],
        ..Manifest::default()
    };
    let c = read(&fixture(), &ReadOptions { manifest: Some(people.clone()), ..ReadOptions::default() });
    assert_eq!(c.manifest.as_ref().expect("manifest").layers, people.layers);
    let layers: Vec<(String, String)> =
        spans(&c).into_iter().map(|(id, layer, ..)| (id, layer)).filter(|(id, _)| id == "T1" || id == "T2").collect();
    assert_eq!(layers, [("T1".to_owned(), "people".to_owned()), ("T2".to_owned(), "things".to_owned())]);
    assert!(!c.notes.iter().any(|n| n.starts_with("annotation.conf")), "the conf's layers are not used: {:?}", c.notes);
}

#[test]
fn a_brat_collection_without_conf_puts_labels_in_the_default_layer_and_drops_triggers() {
    let dir = tempfile::tempdir().expect("temp dir");
    write(&dir.path().join("d.txt"), "Mo wins.");
    write(&dir.path().join("d.ann"), "T1\tPER 0 2\tMo\nT2\tWin 3 7\twins\nE1\tWin:T2 Winner:T1\n");
    let c = read(dir.path(), &ReadOptions { layer: "people".into(), ..ReadOptions::default() });
    let m = c.manifest.expect("manifest");
    assert_eq!(m.layers, vec![Layer { name: "people".into(), labels: strings(&["PER"]), relations: vec![] }]);
    assert_eq!(c.documents[0].annotations.spans.len(), 1);
}
