-- AlterTable
ALTER TABLE "Conversation" ADD COLUMN     "tools" JSONB;

-- AlterTable
ALTER TABLE "Message" ADD COLUMN     "toolRounds" JSONB;
