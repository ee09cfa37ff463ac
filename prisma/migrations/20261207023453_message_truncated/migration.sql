-- AlterTable
ALTER TABLE "Message" ADD COLUMN     "truncated" BOOLEAN NOT NULL DEFAULT false;
