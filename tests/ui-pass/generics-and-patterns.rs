// Generics, where clauses, `impl Trait` arguments and destructured arguments.
use std::fmt::Debug;

#[strand::as_task(thread)]
fn describe<T, const N: usize>(
    items: [T; N],
    (left, right): (u8, u8),
    label: impl AsRef<str> + Send + 'static,
    mut count: u32,
    _: (),
) -> String
where
    T: Debug + Send + 'static,
{
    count += 1;
    format!("{}:{left}{right}{items:?}{count}", label.as_ref())
}

#[strand::as_task(pool)]
fn largest<T: Ord + Copy + Send + 'static>(values: Vec<T>) -> Option<T> {
    values.iter().copied().max()
}

#[strand::as_task(sync)]
fn lengths<'a, I>(words: I) -> Vec<usize>
where
    I: IntoIterator<Item = &'a str>,
{
    words.into_iter().map(str::len).collect()
}

struct Point {
    x: i32,
    y: i32,
}

#[strand::as_task(thread)]
fn manhattan(Point { x, y }: Point, [a, b]: [i32; 2]) -> i32 {
    x.abs() + y.abs() + a + b
}

struct Registry;

impl Registry {
    // An associated function that does not mention `Self`.
    #[strand::as_task(thread)]
    fn lookup(id: u32) -> String {
        format!("#{id}")
    }
}

fn main() {
    assert_eq!(
        describe([1, 2], (3, 4), "l", 0, ()).join().unwrap(),
        "l:34[1, 2]1"
    );
    assert_eq!(largest(vec![3, 9, 2]).join().unwrap(), Some(9));
    assert_eq!(lengths(["ab", "c"]).join().unwrap(), [2, 1]);
    assert_eq!(manhattan(Point { x: -1, y: 2 }, [3, 4]).join().unwrap(), 10);
    assert_eq!(Registry::lookup(7).join().unwrap(), "#7");
}
