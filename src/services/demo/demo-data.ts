/** A small deterministic random source, so the demo data is the same on every machine. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const FIRST_NAMES = ['Anna', 'Mads', 'Sofie', 'Lars', 'Ida', 'Jonas', 'Freja', 'Mikkel', 'Emma', 'Oscar', 'Clara', 'Noah', 'Alma', 'William', 'Ella', 'Lucas', 'Astrid', 'Emil', 'Karla', 'Victor', 'Maja', 'Elias', 'Nora', 'Magnus'];
export const LAST_NAMES = ['Jensen', 'Nielsen', 'Hansen', 'Pedersen', 'Andersen', 'Christensen', 'Larsen', 'Sørensen', 'Rasmussen', 'Jørgensen', 'Petersen', 'Madsen', 'Kristensen', 'Olsen', 'Thomsen', 'Lindqvist', 'Berg', 'Holm'];
export const CITIES = ['København', 'Aarhus', 'Odense', 'Aalborg', 'Esbjerg', 'Malmö', 'Göteborg', 'Stockholm', 'Uppsala', 'Randers'];
export const CATALOGUE: { category: string; items: string[] }[] = [
  { category: 'Tents', items: ['Fjord 2 tent', 'Fjell 3 tent', 'Tarp ultralight'] },
  { category: 'Backpacks', items: ['Trail 30L pack', 'Trek 55L pack', 'Day 18L pack'] },
  { category: 'Footwear', items: ['Ridge hiking boot', 'Trail runner', 'Camp sandal'] },
  { category: 'Clothing', items: ['Merino base layer', 'Rain shell jacket', 'Down vest', 'Wool socks'] },
  { category: 'Cooking', items: ['Titanium pot', 'Gas stove', 'Spork', 'Water filter'] },
];
