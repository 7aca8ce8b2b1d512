export default function HomePage() {
  return (
    <main>
      <h1>Socket Gateway</h1>
    </main>
  );
}
