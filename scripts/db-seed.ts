import { PrismaClient } from '@bastion/database';
import { seedDemo } from '../prisma/seed';
import { openConfiguredDatabase, runScript } from './database';

// `npm run db:seed`: fills the demo tenants, users and documents (never in production).
runScript(async () => {
  const db = await openConfiguredDatabase();
  const prisma = new PrismaClient({ adapter: db.adapter as never });
  try {
    const report = await seedDemo(prisma);
    console.log(`Seeded ${report.tenants} tenant(s), ${report.users} user(s), ${report.documents} document(s).`);
  } finally {
    await prisma.$disconnect();
    await db.close();
  }
});
