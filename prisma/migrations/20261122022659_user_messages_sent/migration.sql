-- AlterTable
ALTER TABLE "User" ADD COLUMN     "messagesSent" INTEGER NOT NULL DEFAULT 0;
