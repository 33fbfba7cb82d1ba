use strand::as_task;

struct Wrapper<T>(T);

impl<T: Send + 'static> Wrapper<T> {
    // TODO: characterisation test. The body moves into a nested function,
    // which cannot see the `impl` block's parameters; rustc says so at `T`.
    // Declare the parameter on the function instead: `fn wrap<U>(value: U)`.
    #[as_task(thread)]
    fn wrap(value: T) -> Vec<T> {
        vec![value]
    }
}

fn main() {}
