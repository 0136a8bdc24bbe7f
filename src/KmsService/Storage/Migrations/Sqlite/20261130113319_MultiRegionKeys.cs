using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace KmsService.Storage.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class MultiRegionKeys : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "MultiRegionKeyType",
                table: "keys",
                type: "TEXT",
                maxLength: 16,
                nullable: true);

            migrationBuilder.AddColumn<int>(
                name: "PendingDeletionWindowInDays",
                table: "keys",
                type: "INTEGER",
                nullable: true);

            migrationBuilder.CreateIndex(
                name: "IX_keys_AccountId_KeyId",
                table: "keys",
                columns: new[] { "AccountId", "KeyId" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_keys_AccountId_KeyId",
                table: "keys");

            migrationBuilder.DropColumn(
                name: "MultiRegionKeyType",
                table: "keys");

            migrationBuilder.DropColumn(
                name: "PendingDeletionWindowInDays",
                table: "keys");
        }
    }
}
