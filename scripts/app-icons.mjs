// Generates the technician app's PNG icons from web/public/app/icon.svg (run after editing it).
import sharp from 'sharp';
const svg = 'web/public/app/icon.svg';
for (const size of [192, 512]) await sharp(svg).resize(size, size).png().toFile(`web/public/app/icon-${size}.png`);
await sharp(svg).resize(180, 180).png().toFile('web/public/app/apple-touch-icon.png');
