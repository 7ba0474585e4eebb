// The example plugin's code. It is never run or imported during install; the host imports
// it after loadInstalledPlugin() and runs its tool only through the kernel.
import { readFileSync } from "node:fs";

/** The tool definition the plugin registers at runtime; the host pins it to the signed definitionSha256. */
export const definition = JSON.parse(readFileSync(new URL("./tools/forecast.json", import.meta.url), "utf8"));

/** A real plugin would call https://api.weather.example with WEATHER_API_KEY; this one stays offline. */
export async function forecast(args) {
  return `${String(args.city)}: sunny, 21 °C (canned data from api.weather.example)`;
}
